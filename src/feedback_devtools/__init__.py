"""feedback_devtools."""
