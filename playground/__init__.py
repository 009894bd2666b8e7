"""The playground: the whole bot, running locally against a Telegram Bot API emulator, driven
from a web page. The bot's own floors (bot, handlers, core, storage) never import it."""
