"""Run every benchmark: ``make bench`` (uses DATABASE_URL when set, else a scratch SQLite file)."""
from bench import assignment, audit_chain, deadline_spike, entry_form, rollup

if __name__ == "__main__":
    audit_chain.main()
    assignment.main()
    entry_form.main()
    rollup.main()
    deadline_spike.main()
