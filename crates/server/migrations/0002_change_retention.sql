-- Change-log retention (`serve --keep-changes N`): the newest seq pruned per company. An app
-- whose position is older than this may have missed records and must rebuild (`reset`).
CREATE TABLE changes_pruned (
    company_id     INTEGER PRIMARY KEY REFERENCES companies(id),
    pruned_through INTEGER NOT NULL
);
