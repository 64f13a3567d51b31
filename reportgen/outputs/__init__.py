"""What leaves the pipeline: the atomic writer, the pack, the website, exports and the render cache."""
