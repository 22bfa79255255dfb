"""English with the 24-hour clock: the manual promises 24-hour times in every language,
and Django's English formats use "p.m.". Dates keep Django's English order (m/d/Y)."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
