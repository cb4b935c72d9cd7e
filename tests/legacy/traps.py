"""Legacy rows holding every trap of /work/shared/legacy/README.md (issue 14).

Ids are explicit and not contiguous. The comment beside each row says which trap it holds and
the bucket the import must put it in.
"""

LEGACY_PASSWORD = "Legacy-pass-123"
# bcrypt (cost 4, for speed) of LEGACY_PASSWORD, as the legacy platform stored it.
LEGACY_HASH = "$2b$04$S412QomnnY4afP427uEo5uj8GFXd9qLLM9FQ9jce5TaySm6S.pwVu"
SECRET_VALUES = ("gAAAA-blizzard-secret", "gAAAA-smtp-secret", "gAAAA-bot-token", "rh-api-key-42")

TRAPS_SQL = f"""
-- Ranks: seeded at app start (ids not levels), one renamed, one extra, one at level 0.
INSERT INTO common.guild_ranks (id, name, level, wow_rank_index, discord_role_id, description)
VALUES (11, 'Guild Leader', 5, 0, '5000', 'The boss'),        -- merged (same name)
       (12, 'Officer', 4, 1, '', NULL),                         -- merged ('' role id)
       (14, 'Raider', 3, 2, NULL, NULL),                        -- merged (same level)
       (15, 'Member', 2, 3, NULL, NULL),                        -- merged
       (17, 'Initiate', 1, 4, NULL, NULL),                      -- merged
       (19, 'Trial', 6, 6, NULL, 'Extra rank'),                 -- imported
       (20, 'Social', 0, NULL, NULL, NULL);                     -- reported (level < 1)
INSERT INTO common.rank_wow_mapping (id, wow_rank_index, guild_rank_id)
VALUES (1, 0, 11),                                              -- merged (same index)
       (2, 5, 17);                                              -- reported (Alt -> Initiate)

INSERT INTO common.users (id, email, password_hash, is_active, created_at, last_login_at)
VALUES (101, 'trogdor', '{LEGACY_HASH}', true, '2025-01-01Z', '2026-01-01Z'),  -- imported
       (102, 'old name with spaces', '{LEGACY_HASH}', NULL, '2025-01-02Z', NULL), -- NULL active
       (103, 'nobody', '{LEGACY_HASH}', true, '2025-01-03Z', NULL),   -- reported (no player)
       (104, 'mito', '{LEGACY_HASH}', true, '2025-01-04Z', NULL),     -- imported
       (105, 'MITO', '{LEGACY_HASH}', true, '2025-01-05Z', NULL);     -- reported (case)

INSERT INTO guild_identity.discord_users
  (id, discord_id, username, display_name, highest_guild_role, all_guild_roles,
   joined_server_at, is_present, removed_at, first_seen)
VALUES (201, '111111111111111111', 'trogdor', 'Trog ✨', 'GM', '{{GM}}',
        '2024-01-01Z', true, NULL, '2024-01-01Z'),                     -- imported, GM rank
       (202, '222222222222222222', 'rocket', NULL, 'Member', NULL,
        '2024-01-02Z', false, '2025-06-01Z', '2024-01-02Z'),           -- left the server
       (203, '', 'ghost', NULL, NULL, NULL, NULL, true, NULL, NULL),   -- reported ('' id)
       (204, '444444444444444444', 'mito', 'Mitó', 'Veteran', NULL,
        '2024-01-04Z', NULL, NULL, '2024-01-04Z'),                     -- is_present NULL
       (205, '555555555555555555', 'skate', NULL, 'Member', NULL,
        '2024-01-05Z', true, NULL, '2024-01-05Z'),
       (206, '666666666666666666', 'oauthguy', NULL, NULL, NULL,
        '2024-01-06Z', true, NULL, '2024-01-06Z');

-- Characters (class 13 = Warrior, blizzard 1; 8 = Paladin).
INSERT INTO guild_identity.wow_characters
  (id, character_name, realm_slug, realm_name, class_id, active_spec_id, guild_rank_id, level,
   blizzard_character_id, last_login_timestamp, guild_note, removed_at, in_guild, first_seen)
VALUES
 (301, 'Trogdor', 'senjin', 'Sen''jin', 13, 14, 11, 80, 9001, 1767225600000,
  '{"n" * 300}', NULL, true, '2024-01-01Z'),                     -- imported; note cut to 255
 (302, 'trogdor', 'senjin', NULL, 13, NULL, NULL, 80, NULL, NULL, NULL, NULL, true,
  '2024-02-01Z'),                                                -- merged (case)
 (303, 'Straße', 'senjin', 'Sen''jin', 13, NULL, 14, 70, 9003, NULL, NULL, NULL, true,
  '2024-01-01Z'),                                                -- imported
 (304, 'Strasse', 'senjin', 'Sen''jin', 13, NULL, 14, 70, NULL, NULL, NULL, NULL, true,
  '2024-01-01Z'),                                                -- merged (casefold ß=ss)
 (305, 'Zatañña', 'senjin', 'Sen''jin', 8, 10, 15, 80, 9005, NULL, NULL, NULL, true,
  '2024-01-01Z'),                                                -- imported (accents count)
 (306, 'Zatanna', 'senjin', 'Sen''jin', 8, NULL, 15, 80, 9006, NULL, NULL, NULL, true,
  '2024-01-01Z'),                                                -- imported
 (307, 'Rocket', 'unknown', NULL, 13, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true,
  '2024-01-01Z'),                                                -- merged into 308
 (308, 'Rocket', 'senjin', 'Unknown', 13, NULL, 15, 80, 9008, NULL, NULL, NULL, true,
  '2024-01-01Z'),                                                -- imported, realm blank
 (309, 'Skate', 'unknown', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true,
  '2024-01-01Z'),                                                -- reported (ambiguous)
 (310, 'Skate', 'senjin', 'Sen''jin', 8, NULL, 15, 80, 9010, NULL, NULL, NULL, true,
  '2024-01-01Z'),
 (311, 'Skate', 'area-52', 'Area 52', 8, NULL, NULL, 80, 9011, NULL, NULL, NULL, false,
  '2024-01-01Z'),                                                -- other realm: its own
 (312, 'Lonely', 'unknown', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true,
  '2024-01-01Z'),                                                -- imported as is
 (313, 'Trogdor', 'area-52', 'Area 52', 8, 20, NULL, 80, 9013, NULL, NULL, NULL, true,
  '2024-01-01Z'),                                                -- never merged across realms
 (314, 'Gone', 'senjin', 'Sen''jin', 13, NULL, 17, 60, NULL, NULL, NULL, '2025-03-01Z', true,
  '2024-01-01Z'),                                                -- left the guild
 (316, '', 'senjin', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true,
  '2024-01-01Z');                                                -- reported (no name)

INSERT INTO guild_identity.players
  (id, display_name, is_active, discord_user_id, website_user_id, guild_rank_id,
   guild_rank_source, main_character_id, main_spec_id, offspec_character_id, offspec_spec_id,
   auto_invite_events, notes, created_at)
VALUES
 (401, 'Trog', true, 201, 101, 11, 'admin_override', 301, 15, 303, 10, true, 'GM', '2024-01-01Z'),
   -- main kept (own, Fury fits); off-spec char kept, spec Holy Paladin dropped (wrong class)
 (402, 'Rocket', true, 202, 102, 15, 'wow_character', 301, NULL, NULL, NULL, false, NULL, now()),
   -- main is Trog's character: dropped
 (403, 'trog', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, now()),
   -- stub, same name ignoring case as Trog: merged into 401
 (404, 'Mito', NULL, 204, 104, 14, 'discord_sync', 305, 10, NULL, NULL, false, NULL, now()),
 (405, 'Skate', true, 205, 105, 15, 'manual', NULL, 14, NULL, NULL, false, NULL, now()),
   -- spec without a character: dropped; account 105 reported (MITO vs mito)
 (406, 'Lonely Stub', true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, now()),
 (407, 'OAuth Guy', true, 206, NULL, 17, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL);

INSERT INTO guild_identity.player_characters (id, player_id, character_id, created_at,
  link_source, confidence)
VALUES (501, 401, 301, '2024-03-01Z', 'manual', 'confirmed'),      -- imported, manual
       (502, 402, 302, '2024-03-02Z', 'exact_name', 'high'),       -- reported (two players)
       (503, 403, 303, '2024-03-03Z', 'note_key_stub', 'low'),     -- imported (stub → Trog)
       (504, 401, 304, '2024-03-04Z', 'unknown', 'unknown'),       -- merged (same player)
       (505, 404, 305, '2024-03-05Z', 'battlenet_oauth', 'high'),  -- imported, import/high
       (506, 404, 306, '2024-03-06Z', 'self_service', 'medium'),   -- imported, roster_form
       (507, 402, 308, '2024-03-07Z', 'fuzzy_name', 'medium'),     -- imported, fuzzy
       (508, 405, 309, '2024-03-08Z', 'note_key', 'medium'),       -- reported (char)
       (509, 405, 310, '2024-03-09Z', 'note_key', 'medium'),
       (510, 402, 307, '2024-03-10Z', 'manual_claim', 'medium'),   -- merged (307 → 308)
       (511, 406, 312, '2024-03-11Z', 'unknown', 'low');

INSERT INTO guild_identity.character_name_history (id, wow_character_id, character_name,
  realm_slug, recorded_at)
VALUES (601, 301, 'Trogg', 'senjin', '2024-05-01Z'),
       (602, 301, 'Trogdorr', 'senjin', '2024-06-01Z'),
       (603, 309, 'Skat', 'unknown', '2024-06-01Z');                  -- reported (char)

INSERT INTO guild_identity.onboarding_sessions (id, discord_member_id, discord_id, state,
  reported_main_name, reported_main_realm, reported_alt_names, verified_player_id, dm_sent_at,
  created_at, updated_at, website_invite_code, verified_at, completed_at, escalated_at)
VALUES (701, 201, '111111111111111111', 'provisioned', 'Trogdor', 'Sen''jin', '{{Straße}}', 401,
        '2024-01-01Z', '2024-01-01Z', '2024-01-02Z', 'ABCDEFGH', '2024-01-02Z', '2024-01-02Z',
        NULL),                                                  -- imported, invite linked
       (702, 206, '666666666666666666', 'oauth_pending', NULL, NULL, NULL, NULL, NULL,
        '2024-01-01Z', '2024-01-01Z', NULL, NULL, NULL, NULL),  -- reported (OAuth state)
       (703, 204, '444444444444444444', 'manually_resolved', 'Mito', 'senjin', NULL, 404,
        NULL, '2024-01-01Z', '2024-01-01Z', NULL, NULL, NULL, NULL), -- reported (no officer)
       (704, 205, '555555555555555555', 'asked_main', NULL, NULL, NULL, NULL, '2024-02-01Z',
        '2024-02-01Z', '2024-02-01Z', NULL, NULL, NULL, '2024-02-03Z'), -- escalated, asked
       (705, 202, '222222222222222222', 'verified', 'Rocket', NULL, NULL, NULL, NULL,
        '2024-01-01Z', '2024-01-01Z', NULL, '2024-01-01Z', NULL, NULL); -- player purged

INSERT INTO common.invite_codes (id, code, player_id, created_by_player_id, created_at,
  expires_at, used_at, generated_by)
VALUES (801, 'OLDCODE1', NULL, NULL, '2024-01-01Z', NULL, NULL, 'manual'),   -- reported
       (802, 'ABCDEFGH', 401, NULL, '2024-01-01Z', '2024-01-08Z', '2024-01-02Z',
        'auto_onboarding'),                                        -- imported, used by Trog
       (803, 'NEVEREXP', 404, 401, '2024-02-01Z', NULL, NULL, 'manual'),  -- expiry added
       (804, 'SHORT1', 405, NULL, '2024-02-01Z', '2024-02-02Z', NULL, 'self_service'),
       (805, 'LLLLLLLL', 405, NULL, '2024-02-01Z', '2024-02-08Z', NULL, 'self_service');

INSERT INTO guild_identity.audit_issues (id, issue_type, severity, wow_character_id,
  discord_member_id, summary, issue_hash, created_at, resolved_at, resolved_by)
VALUES (901, 'orphan_wow', 'warning', 314, NULL, 'Gone has no player', 'h1',
        '2025-01-01Z', NULL, NULL),                               -- merged into 902
       (902, 'orphan_wow', 'warning', 314, NULL, 'Gone has no player', 'h1',
        '2025-02-01Z', NULL, NULL),                               -- imported (newest open)
       (903, 'duplicate_discord', 'error', NULL, 204, 'dup', 'h2', '2025-01-01Z', NULL, NULL),
       (904, 'role_mismatch', 'info', NULL, 201, 'role', 'h3', '2025-03-01Z', '2025-02-01Z',
        'Trog');                                                  -- resolved before created

INSERT INTO guild_identity.sync_log (id, source, status, characters_found, started_at,
  completed_at, error_message)
VALUES (1001, 'blizzard_api', 'running', 10, '2025-01-01Z', NULL, NULL),  -- becomes error
       (1002, 'discord_bot', 'success', 5, '2025-01-02Z', '2025-01-02Z', NULL),
       (1003, 'crafting_sync', 'success', 1, '2025-01-03Z', '2025-01-03Z', NULL); -- reported

INSERT INTO guild_identity.player_note_aliases (id, player_id, alias) VALUES (1101, 401, 'trog');
INSERT INTO guild_identity.player_action_log (id, player_id, action, character_id,
  character_name, realm_slug) VALUES (1201, 401, 'claim_character', 301, 'Trogdor', 'senjin');

-- Campaigns: closed with a tie (legacy broke it, CMP-25 shares it), live with results, one
-- whose minimum rank is no level here, one closed early with 5 picks.
INSERT INTO patt.campaigns (id, title, description, type, picks_per_voter, min_rank_to_vote,
  min_rank_to_view, start_at, duration_hours, status, early_close_if_all_voted,
  discord_channel_id, created_at, updated_at, agent_chattiness, created_by_player_id)
VALUES (1301, 'Best tank', NULL, 'ranked_choice', 3, 2, NULL, '2025-01-01Z', 48, 'closed',
        true, '', '2024-12-30Z', '2025-01-03Z', 'hype', 401),
       (1302, 'Live vote', 'x', 'ranked_choice', 2, 1, 1, '2026-11-01Z', 2000, 'live', true,
        'abc', '2026-10-30Z', '2026-11-01Z', 'normal', NULL),
       (1303, 'Bad rank', NULL, 'ranked_choice', 3, 9, NULL, '2025-01-01Z', 24, 'draft',
        true, NULL, '2024-12-30Z', '2024-12-30Z', 'normal', NULL),       -- reported
       (1304, 'Early', NULL, 'ranked_choice', NULL, 2, NULL, '2025-02-01Z', 100, 'closed',
        NULL, NULL, '2025-01-30Z', '2025-02-02Z', 'weird', NULL),       -- closed early
       (1305, 'No status', NULL, NULL, 3, 1, NULL, '2027-01-01Z', 24, NULL, NULL, NULL,
        '2026-12-01Z', '2026-12-01Z', 'quiet', NULL);                   -- NULL = draft
INSERT INTO patt.campaign_entries (id, campaign_id, name, image_url, sort_order, player_id)
VALUES (1401, 1301, 'Trog', 'https://example.org/t.png', 1, 401),
       (1402, 1301, 'trog ', NULL, 2, NULL),                        -- merged (same name)
       (1403, 1301, 'Rocket', 'http://example.org/r.png', NULL, 402), -- image dropped
       (1404, 1301, 'Mito', '', 3, NULL),
       (1405, 1302, 'A', NULL, 0, NULL),
       (1406, 1302, 'B', NULL, 0, NULL),
       (1407, 1303, 'X', NULL, 0, NULL),                            -- reported (campaign)
       (1408, 1304, 'P', NULL, 0, NULL),
       (1409, 1304, 'Q', NULL, 0, NULL);
INSERT INTO patt.votes (id, campaign_id, player_id, entry_id, rank, voted_at)
VALUES (1501, 1301, 401, 1401, 1, '2025-01-01T10:00Z'),   -- Trog: Trog, Rocket, Mito
       (1502, 1301, 401, 1403, 2, '2025-01-01T10:00Z'),
       (1503, 1301, 401, 1404, 3, '2025-01-01T10:00Z'),
       (1504, 1301, 402, 1403, 1, '2025-01-01T11:00Z'),   -- Rocket: Rocket, trog(=Trog), Trog
       (1505, 1301, 402, 1402, 2, '2025-01-01T11:00Z'),
       (1506, 1301, 402, 1401, 3, '2025-01-01T11:00Z'),   -- merged (same entry twice)
       (1507, 1301, 403, 1404, 1, '2025-01-01T12:00Z'),   -- stub merged into Trog: reported
       (1508, 1301, 404, 1404, 4, '2025-01-01T13:00Z'),   -- rank beyond 3 picks: reported
       (1509, 1301, 404, 1407, 1, '2025-01-01T13:00Z'),   -- entry of another campaign
       (1510, 1302, 404, 1405, 1, '2026-11-02Z'),
       (1511, 1303, 404, 1407, 1, '2025-01-01Z'),         -- campaign reported
       (1512, 1304, 401, 1408, 1, '2025-02-01T05:00Z'),
       (1513, 1304, 402, 1409, 1, '2025-02-01T06:00Z'),
       (1514, 1304, 404, 1408, 2, '2025-02-01T07:00Z');
-- Legacy results: 3/2/1 points, ties broken arbitrarily (Trog and Rocket tie at 5 points,
-- one 1st and one 2nd place each; legacy ranked Trog 1st).
INSERT INTO patt.campaign_results (id, campaign_id, entry_id, first_place_count,
  second_place_count, third_place_count, weighted_score, final_rank)
VALUES (1601, 1301, 1401, 1, 1, 0, 5, 1),
       (1602, 1301, 1403, 1, 1, 0, 5, 2),
       (1603, 1301, 1404, 0, 0, 1, 1, 3),
       (1604, 1302, 1405, 1, 0, 0, 3, 1),
       (1605, 1304, 1408, 1, 1, 0, 5, 1),
       (1606, 1303, 1407, 0, 0, 0, 0, 1);
INSERT INTO patt.contest_agent_log (id, campaign_id, event_type, message, discord_message_id,
  posted_at)
VALUES (1701, 1301, 'campaign_launch', 'Go!', '123', '2025-01-01Z'),
       (1702, 1301, 'legacy_only_event', 'Hm', NULL, '2025-01-02Z');

INSERT INTO patt.player_availability (id, player_id, day_of_week, earliest_start,
  available_hours)
VALUES (1801, 401, 0, '20:00', 3.0),
       (1802, 403, 0, '19:00', 2.5),                      -- stub merged into Trog: merged
       (1803, 402, 6, '21:00', 4.0);

INSERT INTO patt.quote_subjects (id, player_id, command_slug, display_name, active)
VALUES (1901, 404, 'mito', 'Mito', true),
       (1902, 401, 'trog', 'Trog', true);                 -- reported (other subject)
INSERT INTO patt.guild_quotes (id, quote, subject_id)
VALUES (2001, 'Hello there', NULL),
       (2002, '  hello THERE ', 1901),                    -- merged (case and spaces)
       (2003, '   ', NULL),                               -- reported (blank)
       (2004, '{"q" * 600}', 1901),                       -- reported (too long)
       (2005, 'Trog says hi', 1902);                      -- reported (other subject)
INSERT INTO patt.guild_quote_titles (id, title, subject_id)
VALUES (2101, 'Healer Supreme', 1901),
       (2102, 'HEALER SUPREME', NULL);                    -- merged

UPDATE common.site_config SET blizzard_client_secret_encrypted = 'gAAAA-blizzard-secret',
  smtp_password_encrypted = 'gAAAA-smtp-secret', accent_color_hex = '#112233',
  realm_display_name = 'Sen''jin' WHERE id = 1;
INSERT INTO common.discord_config (id, guild_discord_id, default_announcement_channel_id,
  bot_dm_enabled, raid_helper_api_key, raid_creator_discord_id, audit_channel_id,
  raid_event_timezone, raid_default_start_time, raid_default_duration_minutes,
  bot_token_encrypted, landing_zone_channel_id)
VALUES (1, '123456789012345678', '223456789012345678', true, 'rh-api-key-42',
        '323456789012345678', '', 'America/Chicago', '20:30', 180, 'gAAAA-bot-token', 'x');
"""
