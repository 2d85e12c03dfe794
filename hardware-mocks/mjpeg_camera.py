"""Mock IP camera: an MJPEG-over-HTTP stream of the current image, with freeze/drop faults.

``GET /stream.mjpg`` answers ``multipart/x-mixed-replace; boundary=frame`` and sends the
current JPEG ``fps`` times a second; ``GET /snapshot.jpg`` answers one JPEG.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from garita.hardware_mocks.camera_frames import ImageSource, background_jpeg, to_jpeg

log = logging.getLogger(__name__)
BOUNDARY = "frame"


class _Handler(BaseHTTPRequestHandler):
    """Serves the stream of the camera attached to the server."""

    server: _CameraServer
    protocol_version = "HTTP/1.0"  # the stream ends when the connection closes

    def log_message(self, format: str, *args: object) -> None:
        """Route access logs to logging instead of stderr."""
        log.debug("%s: " + format, self.client_address[0], *args)

    def do_GET(self) -> None:
        """Dispatch stream and snapshot requests."""
        camera = self.server.camera
        if self.path.split("?")[0] == "/stream.mjpg":
            self._stream(camera)
        elif self.path.split("?")[0] == "/snapshot.jpg":
            self._send_jpeg_response(camera.jpeg)
        else:
            self.send_error(404)

    def _send_jpeg_response(self, jpeg: bytes) -> None:
        """Answer a single JPEG."""
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(jpeg)))
        self.end_headers()
        self.wfile.write(jpeg)

    def _stream(self, camera: MjpegCamera) -> None:
        """Send parts until the camera stops, drops clients or the client leaves."""
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        generation = camera.generation
        camera.register(self.connection)
        try:
            while camera.running and camera.generation == generation:
                if not camera.frozen:
                    self._write_part(camera.jpeg)
                camera.wait_frame()
        except OSError:
            pass  # client closed or we dropped it
        finally:
            camera.unregister(self.connection)

    def _write_part(self, jpeg: bytes) -> None:
        """Write one multipart part."""
        head = (
            f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {len(jpeg)}\r\n\r\n"
        ).encode("ascii")
        self.wfile.write(head + jpeg + b"\r\n")
        self.wfile.flush()


class _CameraServer(ThreadingHTTPServer):
    """HTTP server that knows its camera."""

    daemon_threads = True
    block_on_close = True  # server_close() joins the handler threads

    def __init__(self, camera: MjpegCamera) -> None:
        """Bind an ephemeral loopback port."""
        self.camera = camera
        super().__init__(("127.0.0.1", 0), _Handler)


class MjpegCamera:
    """MJPEG camera on 127.0.0.1 with ``show()``, and ``freeze``/``drop``/``resume`` faults."""

    def __init__(self, name: str = "plate-cam", fps: float = 10.0) -> None:
        """Prepare the camera showing the empty lane; ``start()`` begins serving."""
        self.name = name
        self.fps = fps
        self.jpeg = background_jpeg()
        self.frozen = False
        self.generation = 0  # bumped by drop(): handlers of older generations hang up
        self._stop = threading.Event()
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server: _CameraServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._server is not None and not self._stop.is_set()

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._server is None:
            raise RuntimeError("camera not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The stream URL."""
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    @property
    def endpoint(self) -> str:
        """Same as ``url``, for symmetry with the serial devices."""
        return self.url

    def start(self) -> None:
        """Start serving in a background thread."""
        self._stop.clear()
        self._server = _CameraServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name=f"mjpeg-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close every client and join all threads."""
        if self._server is None:
            return
        self._stop.set()
        self.drop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._server = None

    def show(self, image: ImageSource) -> None:
        """Show an image (BGR array, JPEG bytes or a file path) from the next frame on."""
        self.jpeg = to_jpeg(image)

    def show_background(self) -> None:
        """Show the empty lane."""
        self.jpeg = background_jpeg()

    def freeze(self) -> None:
        """Stop sending frames but keep connections open (a hung encoder)."""
        self.frozen = True

    def resume(self) -> None:
        """Send frames again."""
        self.frozen = False

    def drop(self) -> None:
        """Close every client connection (a network blip); new clients may connect."""
        with self._lock:
            self.generation += 1
            clients = list(self._clients)
        for conn in clients:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def register(self, conn: socket.socket) -> None:
        """Track a streaming client so ``drop()`` can close it."""
        with self._lock:
            self._clients.add(conn)

    def unregister(self, conn: socket.socket) -> None:
        """Forget a client."""
        with self._lock:
            self._clients.discard(conn)

    def wait_frame(self) -> None:
        """Sleep one frame period (returns early when stopping)."""
        self._stop.wait(1.0 / max(self.fps, 0.1))
