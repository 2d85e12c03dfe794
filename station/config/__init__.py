"""The lane's configuration: the models, the TOML loader, the files a config names."""
