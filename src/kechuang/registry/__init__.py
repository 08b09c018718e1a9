"""The registry: enterprises, their fiscal-year facts and qualifications, and institutions."""
