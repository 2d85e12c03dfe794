"""The lane's configuration: pydantic models with titles and bounds, strict about unknown keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, field_validator, model_validator

from garita.station.config.config_base import Name, StrictModel
from garita.station.config.device_sections import DeviceSection
from garita.sync.signing import Clock, KeyRing, TrustedKey, public_key_from_b64, utc_now


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
    disk_reserve_mb: int = Field(default=256, ge=0, le=1048576,
                                 title="Free space kept for reads and decisions; images stop at twice this")


class LifecycleSection(StrictModel):
    idle_timeout_s: float = Field(
        default=300.0, ge=5, le=86400, title="Seconds without reads or decision before a crossing is flagged idle"
    )
    tick_s: float = Field(default=1.0, ge=0.05, le=10, title="How often idle crossings are checked")
    presence_sources: list[str] = Field(
        default_factory=list, title="Devices whose arrival/departure events bound a vehicle (loop, camera, RFID)")
    late_read_s: float = Field(
        default=5.0, ge=0, le=120, title="Seconds after a departure a document still joins the vehicle (marked)")


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
    session_expiry_s: int = Field(default=604800, ge=60, le=4294967295,
                                  title="How long the broker keeps the lane's session (queued downlink) while away")
    reconnect_max_s: float = Field(default=60.0, ge=1, le=3600, title="Longest wait between reconnection attempts")
    max_inflight: int = Field(default=64, ge=1, le=1000, title="Uplink MQTT messages awaiting PUBACK at once")
    batch_max_events: int = Field(default=200, ge=1, le=5000,
                                  title="Backlog events per MQTT message (1 turns batching off)")
    compress: bool = Field(default=True, title="zlib-compress backlog batches")
    backlog_rate_per_s: float = Field(default=2000.0, ge=1, le=1000000,
                                      title="Backlog events per second after an outage (alerts/decisions jump it)")
    alert_expiry_s: int = Field(default=300, ge=1, le=86400,
                                title="MQTT message expiry of alerts; older alerts are sent marked stale")
    keep_sent_days: float = Field(default=7.0, ge=0, le=3650, title="Days delivered outbox rows are kept")
    metrics_every_s: float = Field(default=60.0, ge=1, le=86400,
                                   title="Seconds between lane.metrics events (health upstream; reveals lost tails)")
    outbox_budget_mb: int = Field(default=512, ge=1, le=1048576,
                                  title="Outbox size that makes the lane shed reads (never decisions/audit/alerts)")
    max_downlink_bytes: int = Field(default=262144, ge=1024, le=16777216,
                                    title="Larger downlink messages are rejected unread")


class BoothSection(StrictModel):
    enabled: bool = Field(default=True, title="Serve the booth screen")
    host: str = Field(default="127.0.0.1", title="Address the booth screen listens on")
    port: int = Field(default=8080, ge=1, le=65535, title="Booth screen port")
    server_names: list[str] = Field(default_factory=list, max_length=16,
                                    title="Host names the booth answers to besides host and loopback (others: 421)")
    language: Literal["en", "es"] = Field(default="en", title="Default language of the screen")
    badge_reader: Name | None = Field(
        default=None, title="RFID device whose reads are officer badges (sign-in), not crossing reads"
    )
    lock_after_s: float = Field(default=120.0, ge=5, le=3600, title="Seconds without input before the screen locks")
    session_max_s: float = Field(default=43200.0, ge=60, le=86400, title="Seconds a sign-in lasts (a shift)")
    detain_override_needs_supervisor: bool = Field(
        default=True, title="Release or secondary against a detain recommendation needs a supervisor's PIN")


Agency = Literal["US", "MX"]


class JointSection(StrictModel):
    """The joint decision: an officer of one agency proposes, one of the other countersigns in time."""

    enabled: bool = Field(default=False, title="Every decision needs an officer of each agency (else one decides)")
    countersign_within_s: float = Field(
        default=120.0, ge=5, le=3600,
        title="Seconds the other agency has to countersign a proposed decision before it lapses")


PlateRegion = Literal["us", "mx", "br", "eu", "any"]


class VisionSection(StrictModel):
    enabled: bool = Field(default=True, title="Read plates and container codes from camera images")
    regions: list[PlateRegion] = Field(default_factory=lambda: ["us", "mx"], min_length=1, max_length=5,
                                       title="Plate grammars used to choose and correct candidates")
    plate_cameras: list[Name] | None = Field(default=None, title="Cameras read for plates (absent: every camera)")
    container_cameras: list[Name] = Field(default_factory=list, title="Cameras also read for container codes")
    threads: int = Field(default=2, ge=1, le=16, title="onnxruntime threads per recognition")
    min_confidence: float = Field(default=0.5, ge=0, le=1,
                                  title="Plate text fitting no grammar is kept only above this confidence "
                                        "(drops state names and badges)")


class MetricsSection(StrictModel):
    enabled: bool = Field(default=False, title="Serve Prometheus /metrics and the /healthz and /readyz checks")
    host: str = Field(default="127.0.0.1", title="Address the metrics port listens on (keep it on loopback)")
    port: int = Field(default=9464, ge=0, le=65535, title="Metrics port (0: any free port, written to status.json)")
    ready_devices: list[Name] | None = Field(
        default=None, max_length=32, title="Devices that must be up for /readyz (absent: every enabled device)")
    ready_needs_watchlist: bool = Field(default=True,
                                        title="/readyz needs a watchlist that is not stale (when keys are set)")
    min_free_mb: int = Field(default=64, ge=0, le=1048576,
                             title="Free disk in the data directory below which the database counts as unwritable")


WebhookEvent = Literal["crossing.opened", "read", "assessment", "decision", "crossing.flagged_idle", "lane.metrics"]


class WebhookSection(StrictModel):
    enabled: bool = Field(default=False, title="POST each chosen lane event to an HTTP endpoint, signed")
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=500)] | None = Field(
        default=None, title="Receiver URL (http:// or https://)")
    secret_file: Path | None = Field(default=None, title="File holding the HMAC-SHA256 key the body is signed with")
    events: list[WebhookEvent] = Field(default_factory=lambda: ["crossing.opened", "decision",
                                                                "crossing.flagged_idle"],
                                       min_length=1, title="Outbox event kinds sent")
    timeout_s: float = Field(default=5.0, ge=0.5, le=60, title="Seconds to wait for the receiver's answer")
    retry_max_s: float = Field(default=60.0, ge=1, le=3600, title="Longest wait between retries of a refused event")
    poll_s: float = Field(default=0.5, ge=0.05, le=60, title="How often the outbox is looked at for new events")

    @model_validator(mode="after")
    def _needs_url_and_secret(self) -> WebhookSection:
        if self.enabled and (self.url is None or self.secret_file is None):
            raise ValueError("an enabled webhook needs url and secret_file")
        return self


class LoggingSection(StrictModel):
    format: Literal["kv", "json"] = Field(default="kv", title="key=value lines or JSON lines")
    level: Literal["debug", "info", "warning", "error"] = Field(default="info", title="Lowest level logged")


Base64Key = Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]{43}=$")]
ConfusionClass = Annotated[str, Field(pattern=r"^[A-Z0-9]{2,8}$")]


class WatchlistSection(StrictModel):
    stale_after_h: float = Field(default=24.0, gt=0, le=720, title="Hours after which the watchlist is shown as stale")
    confusion_classes: list[ConfusionClass] = Field(
        default_factory=lambda: ["0ODQ", "1IL", "2Z", "5S", "8B", "6G"], max_length=20,
        title="Characters OCR confuses with each other (one substitution within a class is the ocr_confusion tier)",
    )
    edit_distance_tier: bool = Field(default=True, title="Also report plates/containers within any one edit")
    check_digit_tier: bool = Field(default=True, title="Also try check-digit-valid repairs of container reads")
    name_threshold: float = Field(default=88.0, ge=50, le=100, title="Lowest name similarity (0-100) that is a hit")


KeyId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]


class TrustKey(StrictModel):
    """One Ed25519 key of the central system and the window in which the lane accepts its signatures."""

    id: KeyId = Field(title="Key id the central names in what it signs", examples=["central-2026"])
    public_key: Base64Key = Field(title="Ed25519 public key: base64 of its 32 raw bytes (garita keys show FILE)")
    not_before: AwareDatetime = Field(title="Signatures by this key are refused before this time (with offset)")
    not_after: AwareDatetime = Field(title="Signatures by this key are refused after this time (with offset)")

    @model_validator(mode="after")
    def _a_key_and_a_window(self) -> TrustKey:
        public_key_from_b64(self.public_key)  # the pattern says 32 bytes; this says they are a key
        if self.not_after <= self.not_before:
            raise ValueError(f"key {self.id!r}: not_after must be later than not_before")
        return self


class TrustSection(StrictModel):
    """The one trust root: the keys that sign watchlist and declaration feeds and every downlink message."""

    keys: list[TrustKey] = Field(default_factory=list, max_length=8,
                                 title="Central keys; during a rotation list old and new with overlapping windows")

    @field_validator("keys")
    @classmethod
    def _each_key_once(cls, keys: list[TrustKey]) -> list[TrustKey]:
        for what, values in (("id", [k.id for k in keys]), ("public_key", [k.public_key for k in keys])):
            twice = sorted({v for v in values if values.count(v) > 1})
            if twice:
                raise ValueError(f"{what} {', '.join(map(repr, twice))} is listed twice")
        return keys

    def ring(self, clock: Clock | None = None) -> KeyRing:
        """The key ring every signature (feed file or downlink message) is checked against."""
        keys = [TrustedKey(k.id, public_key_from_b64(k.public_key), k.not_before, k.not_after) for k in self.keys]
        return KeyRing(keys, clock or utc_now)


HitTier = Literal["exact", "check_digit", "ocr_confusion", "edit1", "name"]
Recommendation = Literal["release", "secondary", "detain"]


class RiskCondition(StrictModel):
    """Every key given must hold (a list holds when any of its items does)."""

    watchlist_action: list[Literal["detain", "refer", "notify"]] = Field(
        default_factory=list, title="A watchlist hit with one of these actions")
    watchlist_tier: list[HitTier] = Field(default_factory=list, title="A watchlist hit of one of these tiers")
    discrepancy: list[str] = Field(
        default_factory=list, title="A declaration discrepancy with one of these codes ('*' for any)")
    declaration_missing: bool | None = Field(default=None, title="A commercial crossing has no declaration")
    document_flag: list[Literal["bad_check_digit", "expired"]] = Field(
        default_factory=list, title="A document read with one of these flags")
    pre_arrival_risk: list[Literal["low", "medium", "high"]] = Field(
        default_factory=list, title="The declaration's pre-arrival risk is one of these")
    hs_code_prefix: list[Annotated[str, Field(pattern=r"^[0-9]{2,10}$")]] = Field(
        default_factory=list, title="A declared goods line's HS code starts with one of these")
    min_declared_value: float | None = Field(default=None, ge=0, title="Declared goods value at least this")

    @model_validator(mode="after")
    def _not_empty(self) -> RiskCondition:
        if not any(value not in (None, []) for value in self.model_dump().values()):
            raise ValueError("a rule needs at least one condition under 'when'")
        return self


class RiskRule(StrictModel):
    id: Name = Field(title="Rule id, shown with its reason and kept in the audit trail")
    when: RiskCondition = Field(title="Conditions, all of which must hold")
    action: Recommendation = Field(
        title="What the rule recommends (detain only stands with a watchlist entry that says detain)")
    reason_en: str = Field(min_length=1, max_length=200, title="Reason shown to the officer, English")
    reason_es: str = Field(min_length=1, max_length=200, title="Reason shown to the officer, Spanish")


def _default_rules() -> list[RiskRule]:
    rules = [
        ("watchlist-detain", {"watchlist_action": ["detain"]}, "detain", "Watchlist entry: detain",
         "Registro en lista de vigilancia: detener"),
        ("watchlist-refer", {"watchlist_action": ["refer"]}, "secondary", "Watchlist entry: refer to secondary",
         "Registro en lista de vigilancia: enviar a revisión secundaria"),
        ("watchlist-notify", {"watchlist_action": ["notify"]}, "release", "Watchlist entry: notify only",
         "Registro en lista de vigilancia: solo notificar"),
        ("declaration-discrepancy", {"discrepancy": ["*"]}, "secondary", "Declaration discrepancy",
         "Discrepancia con la declaración"),
        ("declaration-missing", {"declaration_missing": True}, "secondary", "No pre-arrival declaration",
         "Sin declaración previa"),
        ("document-flag", {"document_flag": ["bad_check_digit", "expired"]}, "secondary",
         "Document failed a check (check digit or expiry)", "El documento no pasó una verificación"
         " (dígito verificador o vigencia)"),
        ("pre-arrival-high", {"pre_arrival_risk": ["high"]}, "secondary", "High pre-arrival risk",
         "Riesgo previo a la llegada alto"),
    ]
    return [RiskRule(id=i, when=RiskCondition(**w), action=a, reason_en=en, reason_es=es)
            for i, w, a, en, es in rules]


Need = Literal["plate", "document", "rfid", "container", "shipment", "declaration"]


class ExpectedReads(StrictModel):
    """What each kind of crossing needs before its recommendation is final (until then: incomplete)."""

    car: list[Need] = Field(default_factory=lambda: ["plate", "document"], title="A car or bus")
    truck: list[Need] = Field(default_factory=lambda: ["plate", "document", "container", "shipment", "declaration"],
                              title="A truck (freight seen, or a commercial lane)")


class RiskSection(StrictModel):
    sample_rate: float = Field(
        default=0.0, ge=0, le=1, title="Share of crossings sent to secondary at random for compliance sampling")
    rules: list[RiskRule] = Field(default_factory=_default_rules, max_length=200,
                                  title="Rules, in order; the most severe action wins, reasons keep this order")
    expected: ExpectedReads = Field(default_factory=ExpectedReads, title="Reads each kind of crossing needs")


class LaneConfig(StrictModel):
    """One lane's whole configuration file."""

    lane: LaneSection
    storage: StorageSection = Field(default_factory=StorageSection)
    lifecycle: LifecycleSection = Field(default_factory=LifecycleSection)
    devices: list[DeviceSection] = Field(default_factory=list, max_length=32)
    mqtt: MqttSection = Field(default_factory=MqttSection)
    booth: BoothSection = Field(default_factory=BoothSection)
    joint: JointSection = Field(default_factory=JointSection)
    logging: LoggingSection = Field(default_factory=LoggingSection)
    vision: VisionSection = Field(default_factory=VisionSection)
    watchlist: WatchlistSection = Field(default_factory=WatchlistSection)
    trust: TrustSection = Field(default_factory=TrustSection)
    risk: RiskSection = Field(default_factory=RiskSection)
    metrics: MetricsSection = Field(default_factory=MetricsSection)
    webhook: WebhookSection = Field(default_factory=WebhookSection)

    @model_validator(mode="after")
    def _unique_device_names(self) -> LaneConfig:
        seen: set[str] = set()
        for device in self.devices:
            if device.name in seen:
                raise ValueError(f"device name {device.name!r} is used twice")
            seen.add(device.name)
        return self

    @model_validator(mode="after")
    def _badge_reader_is_a_device(self) -> LaneConfig:
        reader = self.booth.badge_reader
        if reader is not None and reader not in {d.name for d in self.devices}:
            raise ValueError(f"booth.badge_reader {reader!r} is not a device of this lane")
        return self

    @model_validator(mode="after")
    def _ready_devices_are_devices(self) -> LaneConfig:
        unknown = set(self.metrics.ready_devices or ()) - {d.name for d in self.devices}
        if unknown:
            raise ValueError(f"metrics.ready_devices {sorted(unknown)} are not devices of this lane")
        return self

    @model_validator(mode="after")
    def _presence_sources_are_devices(self) -> LaneConfig:
        unknown = [name for name in self.lifecycle.presence_sources if name not in {d.name for d in self.devices}]
        if unknown:
            raise ValueError(f"lifecycle.presence_sources {', '.join(map(repr, unknown))}: not a device of this lane")
        return self
