"""The lane's links outward: MQTT uplink, webhook, downlink applied, signed feeds."""
