"""What users call: the CLI (typer) and its commands, the pytest plugin, `expect_event` and
`plan_tests`. The only layer that may import every other one.
"""
