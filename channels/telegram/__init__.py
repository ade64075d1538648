"""Telegram channel (aiogram 3): webhook and polling in, plain-text messages out."""

from channels.telegram.channel import TelegramChannel
from channels.telegram.outbound import TelegramOutbound
from channels.telegram.webhook import router

__all__ = ["TelegramChannel", "TelegramOutbound", "router"]
