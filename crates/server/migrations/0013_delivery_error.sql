-- Why a message's delivery failed, in the channel's plain words (issue 10), so the app can
-- show it next to Retry. Set only while `delivery` is `failed`; any other state clears it.
ALTER TABLE messages ADD COLUMN delivery_error TEXT;
