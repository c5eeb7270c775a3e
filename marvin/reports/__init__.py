"""Reading the recorded history back as numbers: participation, reminders needed."""
