"""The background worker: a Huey consumer that delivers the outbox, runs jobs and reminders.

`engine` holds the one Huey instance (its storage chosen from BROKER_URL), `delivery` sends
outbox messages through SMTP, `tasks` declares what the worker runs, `cli` starts it
(`flask --app portal worker`, started by `make run` next to the web server).
"""
