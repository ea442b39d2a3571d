"""The till's offline SQLite store: schema, migrations and the services that change it; never imports Qt."""
