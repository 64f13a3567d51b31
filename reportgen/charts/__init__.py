"""Charts: deterministic SVG/PNG drawing and the cache that keys them by their inputs."""
