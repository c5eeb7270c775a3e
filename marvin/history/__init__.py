"""Run history: every flow run, its task runs, logs and external-call events, persisted.

The engine reports runs through its `Recorder` hook (`marvin.history.recorder`); the
records here are plain data, stored by a `RunHistory` backend next to the app's data
(`marvin.store`), and read back by `marvin runs`, `marvin stats` and the dashboard.
"""

from marvin.history.records import EventRecord, FlowRunRecord, LogRecord, TaskRunRecord

__all__ = ["EventRecord", "FlowRunRecord", "LogRecord", "TaskRunRecord"]
