# Group thousands in Chinese too (Django's zh_Hans defaults to no grouping): 3,600,000 reads faster on a screen.
NUMBER_GROUPING = 3
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
