"""Qualification standards as code: dated parameters, criteria with explanations, batch screening."""
