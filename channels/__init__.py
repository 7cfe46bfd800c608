"""Marigold's Rasa input/output channels (Twilio SMS, Telegram) over one shared base."""
