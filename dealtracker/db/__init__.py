"""Database seams: replica routing and the speed tricks, each with a plain fallback."""
