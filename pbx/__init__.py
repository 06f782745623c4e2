"""Asterisk, as the project runs it: provisioned root, rendered configuration, process control."""
