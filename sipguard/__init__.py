"""SIP doors (issue 13): INVITEs from unknown sources rejected and counted, repeated
authentication failures answered with a temporary ban."""
