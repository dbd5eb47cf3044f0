"""Read models and the machinery that keeps them current, exactly once."""
