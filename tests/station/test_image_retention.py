"""Read images are kept `[storage] image_retention_days`, then their day folders go."""

from __future__ import annotations

from datetime import date

from garita.station.core.evidence_images import prune_images


def test_only_day_folders_older_than_the_retention_go(tmp_path):
    for day in ("2026/10/30", "2026/11/01", "2026/11/02", "2026/12/01"):
        folder = tmp_path / "images" / day
        folder.mkdir(parents=True)
        (folder / "a.jpg").write_bytes(b"\xff\xd8")
        (folder / "b.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "images" / "notes").mkdir()
    assert prune_images(tmp_path, 30, date(2026, 12, 2)) == 4
    left = sorted(str(p.relative_to(tmp_path / "images")) for p in (tmp_path / "images").rglob("*.jpg"))
    assert left == ["2026/11/02/a.jpg", "2026/11/02/b.jpg", "2026/12/01/a.jpg", "2026/12/01/b.jpg"]  # 30 days old: kept
    assert not (tmp_path / "images" / "2026" / "10").exists()  # emptied month folder removed too
    assert (tmp_path / "images" / "notes").exists()
    assert prune_images(tmp_path, 30, date(2026, 12, 2)) == 0
