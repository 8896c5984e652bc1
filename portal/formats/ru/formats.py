"""Russian date formats where Django's own are wrong for a day and a month.

Django's Russian `MONTH_DAY_FORMAT` is "j F", the nominative month ("7 Ноябрь"); a day of a month takes the
genitive ("7 ноября"), which is the "E" format character. The other formats stay Django's.
"""

MONTH_DAY_FORMAT = "j E"
