"""Fake provider APIs (Twilio, Telegram) served on 127.0.0.1 for the channel tests."""
