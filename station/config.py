"""The lane's configuration: pydantic models with titles and bounds, strict about unknown keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DeviceKind = Literal["camera", "rfid", "scanner", "document-reader"]
Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]


class StrictModel(BaseModel):
    """Every config table: a misspelt or unknown key is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LaneSection(StrictModel):
    id: Name = Field(title="Lane id, unique within the port", examples=["lane-03"])
    port_code: Annotated[str, Field(pattern=r"^[0-9]{4}$")] = Field(
        title="Port of entry code (CBP four-digit port code)", examples=["2504"]
    )
    port_name: str = Field(default="", title="Human name of the port", max_length=80)
    direction: Literal["northbound", "southbound"] = Field(title="Traffic direction")
    lane_type: Literal["passenger", "commercial", "mixed"] = Field(
        default="mixed", title="What the lane inspects"
    )


class StorageSection(StrictModel):
    data_dir: Path = Field(
        default=Path("/var/lib/garita"),
        title="Directory for the database and images (overridden by --data-dir/GARITA_DATA_DIR)",
    )
    image_retention_days: int = Field(default=30, ge=1, le=3650, title="Days to keep read images")


class LifecycleSection(StrictModel):
    idle_timeout_s: float = Field(
        default=300.0, ge=5, le=86400, title="Seconds without reads or decision before a crossing is flagged idle"
    )
    tick_s: float = Field(default=1.0, ge=0.05, le=10, title="How often idle crossings are checked")


class DeviceSection(StrictModel):
    name: Name = Field(title="Device name, unique in the lane")
    kind: DeviceKind = Field(title="What the device is")
    driver: str = Field(min_length=1, max_length=40, title="Driver that speaks its protocol")
    port: str | None = Field(default=None, title="Serial device path or socket://host:port")
    url: str | None = Field(default=None, title="Camera URL, device path or file")
    enabled: bool = Field(default=True, title="Start this device")
    options: dict[str, Any] = Field(default_factory=dict, title="Driver options")

    @model_validator(mode="after")
    def _needs_an_address(self) -> DeviceSection:
        if self.kind == "camera" and not self.url:
            raise ValueError(f"camera {self.name!r} needs a url")
        if self.kind != "camera" and not self.port:
            raise ValueError(f"{self.kind} {self.name!r} needs a port")
        return self


class MqttTls(StrictModel):
    ca_file: Path = Field(title="CA certificate that signed the broker's certificate")
    cert_file: Path | None = Field(default=None, title="Lane client certificate (mutual TLS)")
    key_file: Path | None = Field(default=None, title="Lane client private key")


class MqttSection(StrictModel):
    enabled: bool = Field(default=False, title="Sync with the central system over MQTT")
    host: str = Field(default="localhost", title="Broker host name")
    port: int = Field(default=8883, ge=1, le=65535, title="Broker TCP port")
    client_id: str | None = Field(default=None, max_length=64, title="MQTT client id (default: port-lane)")
    keepalive_s: int = Field(default=30, ge=5, le=3600, title="MQTT keepalive")
    username: str | None = Field(default=None, title="Broker user name")
    password_file: Path | None = Field(default=None, title="File holding the broker password")
    tls: MqttTls | None = Field(default=None, title="TLS settings; absent means plain TCP")


class BoothSection(StrictModel):
    enabled: bool = Field(default=True, title="Serve the booth screen")
    host: str = Field(default="127.0.0.1", title="Address the booth screen listens on")
    port: int = Field(default=8080, ge=1, le=65535, title="Booth screen port")
    language: Literal["en", "es"] = Field(default="en", title="Default language of the screen")


class LoggingSection(StrictModel):
    format: Literal["kv", "json"] = Field(default="kv", title="key=value lines or JSON lines")
    level: Literal["debug", "info", "warning", "error"] = Field(default="info", title="Lowest level logged")


class LaneConfig(StrictModel):
    """One lane's whole configuration file."""

    lane: LaneSection
    storage: StorageSection = Field(default_factory=StorageSection)
    lifecycle: LifecycleSection = Field(default_factory=LifecycleSection)
    devices: list[DeviceSection] = Field(default_factory=list, max_length=32)
    mqtt: MqttSection = Field(default_factory=MqttSection)
    booth: BoothSection = Field(default_factory=BoothSection)
    logging: LoggingSection = Field(default_factory=LoggingSection)

    @model_validator(mode="after")
    def _unique_device_names(self) -> LaneConfig:
        seen: set[str] = set()
        for device in self.devices:
            if device.name in seen:
                raise ValueError(f"device name {device.name!r} is used twice")
            seen.add(device.name)
        return self
