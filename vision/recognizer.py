"""The Recognizer: loads the models once and reads plates and container codes from frames."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from garita.vision.boxed_digit import box_inside, find_box, rect_to_frame, search_quad, wants_check_digit
from garita.vision.container_reader import Token, assemble_codes
from garita.vision.image_io import check_frame
from garita.vision.iso6346 import CODE_LENGTH
from garita.vision.models import OcrSessions, load_sessions
from garita.vision.plate_crop import plate_region
from garita.vision.plate_detector import FinderParams, find_plates
from garita.vision.plate_fragments import fragments, line_through, plate_wide_box
from garita.vision.plate_grammar import closed, formats_for
from garita.vision.plate_reader import (
    line_candidates,
    merge_reads,
    rank_plates,
    with_fragment_reads,
    with_second_look,
)
from garita.vision.plate_refine import DOUBTFUL, central_lines, region_around
from garita.vision.plate_regions import plate_boxes
from garita.vision.reads import ContainerRead, PlateRead
from garita.vision.serial_continuation import continued_box, is_continuation, wants_continuation
from garita.vision.text_detector import DetParams, TextBox, detect_text
from garita.vision.text_recognizer import TextLine, TextRecognizer, crop_quad
from garita.vision.two_line import with_joined_lines
from garita.vision.vertical_text import extended_column, is_code_tail, lay_out, merge_columns, row_density, split_rows

# Ours: native resolution up to 1280 px (DB misses small plates when shrunk: +6% exact on US plates), then
# recognition of only the most plate-like lines.
PLATE_FIND = DetParams(max_side=1280)
PLATE_LINES = 4  # recognise only the most plate-like lines: 4 lines take about 44 ms on 2 cores (3 lines: -1 image)
CONTAINER_DET = DetParams(max_side=1280)
FOUND_PLATES = 3  # plates the plate detector may report per frame (a truck and its trailer, a car behind)
FOUND_LINES = 2  # text lines read inside one found plate: the serial, and the next most plate-like line
PAD = 0.15  # widen line crops by this share of their height: the detector clips edge characters
WHOLE_CODE_ASPECT = 8.0  # a column this many times taller than wide may hold a whole vertical code
MIN_CODE_HEIGHT = 14.0  # container codes are painted large; skip fine print to save recognition time


def padded_quad(box: TextBox, pad: float = PAD) -> np.ndarray:
    """The box widened along its reading direction."""
    quad = box.quad.copy()
    axis = box.along * pad * box.height
    quad[[0, 3]] -= axis
    quad[[1, 2]] += axis
    return quad


class Recognizer:
    """Holds the ONNX sessions; safe to share between threads (onnxruntime sessions are thread-safe)."""

    def __init__(self, regions: tuple[str, ...] = ("us", "mx"), threads: int = 2, sessions: OcrSessions | None = None):
        """Load models once; regions are the plate grammars this lane expects ('any' for all)."""
        formats_for(regions)  # fail early on a misspelt region
        self.regions = regions
        self.sessions = sessions or load_sessions(threads)
        self.text = TextRecognizer(self.sessions.rec, self.sessions.charset)

    def read_lines(self, image: np.ndarray, params: DetParams, plate_detector: bool = False
                   ) -> tuple[list[TextBox], list[TextLine]]:
        """Generic OCR: every horizontal text line in the frame (found by the plate or the general detector)."""
        frame = check_frame(image)
        detector = self.sessions.plate_det if plate_detector else self.sessions.det
        boxes = [b for b in detect_text(detector, frame, params) if b.width >= b.height * 0.8]
        return boxes, self.text.read([crop_quad(frame, padded_quad(b)) for b in boxes])

    def read_plates(self, image: np.ndarray, regions: tuple[str, ...] | None = None) -> list[PlateRead]:
        """Plates in a BGR frame, most plate-like first, each with ranked candidates.

        The plate detector's plates are read first; only when none reads with confidence is the whole
        frame searched for text (the slower path, which also finds plates the detector missed)."""
        frame = check_frame(image)
        regions = regions or self.regions
        reads = self._found_plate_reads(frame, regions) if self.sessions.plate_finder is not None else []
        if reads and reads[0].confidence >= DOUBTFUL and (reads[0].candidates[0].format or not closed(regions)):
            return reads  # confident (and in a series where all are): the whole-frame search would only cost time
        return merge_reads(reads, self._frame_plate_reads(frame, regions))

    def _found_plate_reads(self, frame: np.ndarray, regions: tuple[str, ...]) -> list[PlateRead]:
        """One read per plate the plate detector found: its text lines detected and read inside its region."""
        assert self.sessions.plate_finder is not None
        reads: list[tuple[float, PlateRead]] = []
        plates = find_plates(self.sessions.plate_finder, frame, FinderParams(limit=FOUND_PLATES))
        tallest = max((min(p.width, p.height) for p in plates), default=1.0)
        for plate in plates:
            region = plate_region(frame, plate)
            if region is None:
                continue
            found = detect_text(self.sessions.plate_det, region.image, PLATE_FIND)
            boxes = plate_boxes(found, region.image.shape[0], FOUND_LINES)
            # cut from the frame itself, not the scaled region: the recogniser sees pixels resampled once
            quads = [np.asarray(region.to_frame(padded_quad(b)), np.float32) for b in boxes]
            lines = self.text.read([crop_quad(frame, q) for q in quads])
            boxes, lines = with_joined_lines(boxes, lines)  # a two-line plate's lines, also as one
            for read in rank_plates(boxes, lines, regions)[:1]:  # one plate, one read
                # the nearer (larger) plate first, as on the whole-frame path: a car behind is not this vehicle
                rank = read.confidence * (min(plate.height, plate.width) / tallest) ** 0.5
                reads.append((rank, replace(read, box=region.to_frame(np.asarray(read.box)))))
        return [read for _, read in sorted(reads, key=lambda item: -item[0])]

    def _frame_plate_reads(self, frame: np.ndarray, regions: tuple[str, ...]) -> list[PlateRead]:
        """Plates among the text lines of the whole frame, with the fragment search and the second look."""
        found = detect_text(self.sessions.plate_det, frame, PLATE_FIND)
        boxes = plate_boxes(found, frame.shape[0], PLATE_LINES)
        lines = self.text.read([crop_quad(frame, padded_quad(b)) for b in boxes])
        reads = rank_plates(boxes, lines, regions)
        if not reads or reads[0].confidence < DOUBTFUL:
            reads = with_fragment_reads(reads, self._fragment_reads(frame, boxes, lines, regions))
        if reads and reads[0].confidence < DOUBTFUL:
            reads[0] = with_second_look(reads[0], self._second_look(frame, reads[0]), regions)
        return reads

    def _fragment_reads(
        self, frame: np.ndarray, boxes: list[TextBox], lines: list[TextLine], regions: tuple[str, ...]
    ) -> list[PlateRead]:
        """Plates of which the frame's detection boxed only one group (see plate_fragments)."""
        reads: list[PlateRead] = []
        for fragment, part in fragments(boxes, lines):
            region = region_around(frame, plate_wide_box(fragment))
            if region is None:
                continue
            found = detect_text(self.sessions.plate_det, region.image, PLATE_FIND)
            plate = line_through(found, region.from_frame(fragment.center))
            if plate is None:
                continue
            candidates = line_candidates(self.text.read([crop_quad(region.image, padded_quad(plate))])[0], regions)
            if candidates and len(candidates[0].text) > len(part.chars):  # more of the plate than the fragment
                reads.append(PlateRead(candidates=tuple(candidates), box=region.to_frame(plate.quad)))
        return reads

    def _second_look(self, frame: np.ndarray, read: PlateRead) -> list[TextLine]:
        """Text lines re-read from the enlarged region around a doubtful plate (see plate_refine)."""
        region = region_around(frame, read.box)
        if region is None:
            return []
        boxes = central_lines(detect_text(self.sessions.plate_det, region.image, PLATE_FIND), region.image.shape)
        return self.text.read([crop_quad(region.image, padded_quad(b)) for b in boxes])

    def read_containers(self, image: np.ndarray) -> list[ContainerRead]:
        """ISO 6346 codes in a BGR frame, check-digit-valid and strongest first."""
        frame = check_frame(image)
        boxes = detect_text(self.sessions.det, frame, CONTAINER_DET)
        boxes = [b for b in boxes if min(b.width, b.height) >= MIN_CODE_HEIGHT]
        rows = self._horizontal_tokens(frame, [b for b in boxes if b.height <= 2.5 * b.width])
        tokens = self._continue_serials(frame, rows)
        tokens += self._check_digit_tokens(frame, tokens)
        tokens += self._vertical_tokens(frame, merge_columns([b for b in boxes if b.height > 2.5 * b.width]))
        tokens += self._extended_columns(frame, tokens)
        reads = assemble_codes(tokens)
        if not any(r.check_digit_valid for r in reads):  # roof codes seen from the far side read upside down
            flipped = self._horizontal_tokens(frame, [b for b in boxes if b.width > 3 * b.height], flip=True)
            reads = assemble_codes(tokens + flipped)
        return reads

    def _tokens(self, boxes: list[TextBox], crops: list[np.ndarray], vertical: bool) -> list[Token]:
        """Recognise crops as tokens of their boxes; crops that read as nothing are dropped."""
        lines = self.text.read(crops)
        return [Token(line.chars, box, vertical) for box, line in zip(boxes, lines, strict=True) if line.chars]

    def _horizontal_tokens(self, frame: np.ndarray, boxes: list[TextBox], flip: bool = False) -> list[Token]:
        """Recognise horizontal boxes (optionally rotated 180 degrees) as tokens."""
        crops = [crop_quad(frame, padded_quad(b)) for b in boxes]
        if flip:
            crops = [np.ascontiguousarray(c[::-1, ::-1]) for c in crops]
        return self._tokens(boxes, crops, vertical=False)

    def _continue_serials(self, frame: np.ndarray, tokens: list[Token]) -> list[Token]:
        """Tokens of a few digits re-read further right, for serials painted with wide spacing."""
        picked = [i for i, t in enumerate(tokens) if wants_continuation(t.text)]
        grown = [continued_box(tokens[i].box, len(tokens[i].text)) for i in picked]
        lines = self.text.read([crop_quad(frame, padded_quad(b)) for b in grown])
        out = list(tokens)
        for i, box, line in zip(picked, grown, lines, strict=True):
            if is_continuation(tokens[i].text, line.text):
                out[i] = Token(line.chars, box, vertical=False)  # replaces: the short token would split the row
        return out

    def _check_digit_tokens(self, frame: np.ndarray, tokens: list[Token]) -> list[Token]:
        """Boxed check digits just right of serials that were read without them (see boxed_digit)."""
        boxes, crops = [], []
        for token in tokens:
            if token.vertical or not wants_check_digit(token.text):
                continue
            quad = search_quad(token.box)
            region = crop_quad(frame, quad)
            rect = find_box(region, token.box.height)
            if rect is not None:
                boxes.append(rect_to_frame(quad, (region.shape[1], region.shape[0]), rect))
                crops.append(box_inside(region, rect))
        return [t for t in self._tokens(boxes, crops, vertical=False) if len(t.chars) == 1 and t.text.isdigit()]

    def _extended_columns(self, frame: np.ndarray, tokens: list[Token]) -> list[Token]:
        """Vertical codes whose owner code the detector cut off: the column grown upward, cut as 11 characters."""
        tails = [t for t in tokens if t.vertical and is_code_tail(t.text)]
        rects = [extended_column(t.box, len(t.text), frame.shape) for t in tails]
        # Two cuts of one column can read as tails of the same length: the same rectangle, laid out and read once.
        laid: dict[tuple[int, ...], np.ndarray | None] = {}
        for x0, y0, x1, y1 in dict.fromkeys(rects):
            column = frame[y0:y1, x0:x1]
            laid[(x0, y0, x1, y1)] = lay_out(column, split_rows(column, CODE_LENGTH)) if column.size else None
        unique = [rect for rect, line in laid.items() if line is not None]
        lines = dict(zip(unique, self.text.read([laid[rect] for rect in unique]), strict=True))  # type: ignore[misc]
        return [
            Token(lines[rect].chars, TextBox.from_rect(*rect, token.box.score), vertical=True)
            for token, rect in zip(tails, rects, strict=True)
            if rect in lines and lines[rect].chars
        ]

    def _vertical_tokens(self, frame: np.ndarray, boxes: list[TextBox]) -> list[Token]:
        """Re-lay stacked characters of tall boxes as lines and recognise them.

        A column tall enough for a whole code is also cut as 11 characters: painted close together,
        characters touch and the blank-row cut alone would merge them; the check digit picks the reading."""
        kept, crops = [], []
        for box in boxes:
            x0, y0, x1, y1 = (int(v) for v in box.bounds)
            column = frame[max(0, y0) : y1, max(0, x0) : x1]
            density = row_density(column)
            cuts = [split_rows(column, density=density)]
            if box.height >= WHOLE_CODE_ASPECT * box.width and len(cuts[0]) < CODE_LENGTH:
                cuts.append(split_rows(column, CODE_LENGTH, density))
            for spans in cuts:
                line = lay_out(column, spans)
                if line is not None:
                    kept.append(box)
                    crops.append(line)
        return self._tokens(kept, crops, vertical=True)
