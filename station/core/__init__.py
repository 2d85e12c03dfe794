"""The lane core: device threads, the asyncio daemon, crossings, recognition, decisions."""
