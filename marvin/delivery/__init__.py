"""Delivery at most once, none lost: the Outbox that claims, sends and settles each message.

What is sent once, `DeliveryKey`, is a domain value (`marvin.domain.delivery_key`): the
stores name each delivery by it too.

- `outbox`: `Outbox.claim(key)`, the `with` block a task sends in (claim -> send -> settle);
- `settle`: the pure decision of what becomes of a claim once a send has ended;
- `lookup`: asking Slack whether a message already went out (FOUND / ABSENT / UNKNOWN);
- `parts`: a digest's parts, halved when Slack refuses one as too big;
- `records`: what a stored delivery's detail says, by state;
- `owners`: who holds a claim, and who may take it over at once;
- `channels`: a configured channel resolved to its id and joined.
"""
