"""rasa-sdk actions of the intake dialogue. Run with the repository root on PYTHONPATH."""
