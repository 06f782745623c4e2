"""Tickets (工单, R13-R17): complaints, inquiries and suggestions with the customer's own service
clocks, linked to their calls, voicemail and callbacks."""
