-- A file found at its destination and counted as already there (--skip-completed) gets an attempt
-- row of its own outcome, 'skipped', instead of 'done'.
ALTER TABLE attempts DROP CONSTRAINT attempts_outcome_check;
ALTER TABLE attempts ADD CONSTRAINT attempts_outcome_check
    CHECK (outcome IN ('done', 'retry', 'failed', 'released', 'skipped'));
