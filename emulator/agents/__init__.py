"""Telex agents (A2A coworkers), the service side: install, route, call, push, stream.

- `loader`: the one way a card or workflow JSON is fetched and linted (install, re-fetch, check)
- `hooks`: push hooks in flight and stored, and the key that signs push tokens
- `registry`: installed agents, their direct channels, the channels they were added to
- `routing`: which agents a user's message goes to
- `outcomes`: what an answer or push means for the task and the channel
- `calls`: one `message/send` (or `message/stream`, via `streaming`) and what it leaves
- `pushes`: the push webhook's updates to a task
- `records`: the rows a call or a push writes, in one short write
- `views`: agents and tasks as the API shows them
- `service`: the facade the app wires and the web layer calls
"""
