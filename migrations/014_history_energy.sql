-- An energy transfer's details in a player's history (issue 23): the energy, what its refill
-- since the last touch added, what a grant credited and the timed modifier it carried. NULL for
-- every other transfer (their refills, if any, are legs from the energy's issuer).
ALTER TABLE rm_history ADD COLUMN energy jsonb;
