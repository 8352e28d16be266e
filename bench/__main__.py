"""Run every benchmark: ``make bench`` (uses DATABASE_URL when set, else a scratch SQLite file)."""
from bench import (access_log, assignment, audit_chain, autosave, deadline_spike, entry_form, export_xlsx, reorganise,
                   rollup, workbook)

if __name__ == "__main__":
    audit_chain.main()
    access_log.main()
    assignment.main()
    entry_form.main()
    workbook.main()
    rollup.main()
    export_xlsx.main()
    deadline_spike.main()
    autosave.main()
    reorganise.main()
