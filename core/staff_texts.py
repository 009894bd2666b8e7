"""What staff are told when a rule refuses, and how a person is named in staff messages."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def refusal(reason: str) -> str:
    """A polite answer for each rule of core.services.roles and the desk."""
    texts = {
        "not_admin": _("Only the programme's admins can do that."),
        "not_coordinator": _("Only admins and this incubator's coordinators can do that."),
        "bound_elsewhere": _(
            "This group is the chat of another incubator. Only admins and that incubator's "
            "coordinators can change that."
        ),
        "unknown_incubator": _("I don't know that incubator. See /incubators for the codes."),
        "configured_admin": _(
            "That admin is set in the bot's configuration (ADMIN_IDS) and can only be "
            "removed there."
        ),
        "last_admin": _("You are the last admin, so you can't be removed."),
        "not_an_admin": _("That person is not an admin."),
        "unbound_group": _(
            "This group is not an incubator's chat. Ask me in a private chat, or bind the "
            "group with /bindchat."
        ),
        "other_group": _("This group is another incubator's chat. Ask me in a private chat."),
        "not_this_group": _("This group is not the chat of that pitch's incubator."),
        "stats_private": _("Please ask for statistics in a private chat with me."),
        "export_private": _("Exports hold contact details: please ask in a private chat with me."),
    }
    return texts.get(reason, _("Sorry, you can't do that."))


def mention(user_id: int) -> str:
    """A link to the person, shown as their numeric id (the bot may not know their name)."""
    return f'<a href="tg://user?id={int(user_id)}">{int(user_id)}</a>'
