"""Demo data for development (`make run`): staff, students and their records, built through every
app's services. It sits above every app (decision 0011) because it uses all of them."""
