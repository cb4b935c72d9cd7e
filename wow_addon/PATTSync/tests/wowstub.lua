-- wowstub.lua -- a fake of the parts of the World of Warcraft game API that PATTSync uses
-- (ADD-17), so the real PATTSync.lua runs unmodified in a plain Lua 5.1 VM (ADD-16).
--
-- Running this chunk installs the fake API as globals and returns the control table `stub`:
--   stub.now / stub.advance(s)       controllable clock; advance runs due C_Timer.After callbacks
--   stub.fire(event, ...)            deliver an event to every frame registered for it
--   stub.setGuild{...} / leaveGuild  the guild the fake player is in (see setGuild below)
--   stub.lines / stub.plainLines()   chat output captured from DEFAULT_CHAT_FRAME
--   stub.slash(cmd, msg)             type a slash command, e.g. stub.slash("/pattsync", "force")
--   stub.loadAddOn(name)             load a load-on-demand addon (Blizzard_Communities)
--   stub.globalWrites                new globals created, with the chunk that created each
-- Nothing here is copied from Blizzard's code; only the documented behaviour is reproduced.

local stub = {
    now = 1740153600, -- 2025-02-21T16:00:00Z
    timers = {},
    timerSeq = 0,
    frames = {},
    lines = {},
    loaded = {},
    realm = "Sen'jin",
    guild = nil,
    rosterLoaded = false,
    rosterRequests = 0,
    officerNoteChecks = 0,
    officerNoteApi = "c_guildinfo", -- or "global", "none", "error"
    hookCounts = {},
    globalWrites = {},
}

-- Clock --------------------------------------------------------------------------------------

-- Whole seconds, like the client's time(); the stub clock itself may sit between seconds.
function time()
    return math.floor(stub.now)
end

-- WoW's date() is os.date; the stub insists on "!" (UTC) formats so nothing depends on the
-- time zone of the machine running the tests.
function date(fmt, t)
    if type(fmt) ~= "string" or fmt:sub(1, 1) ~= "!" then
        error("wowstub: date() is only faked for UTC ('!...') formats, got " .. tostring(fmt), 2)
    end
    return os.date(fmt, t or math.floor(stub.now))
end

C_Timer = {}

function C_Timer.After(seconds, callback)
    if type(seconds) ~= "number" or type(callback) ~= "function" then
        error("Usage: C_Timer.After(seconds, callback)", 2)
    end
    stub.timerSeq = stub.timerSeq + 1
    table.insert(stub.timers, { due = stub.now + seconds, seq = stub.timerSeq, fn = callback })
end

-- Move the clock forward by `seconds`, running every timer that falls due, in time order
-- (timers due at the same moment run in the order they were created).
function stub.advance(seconds)
    local target = stub.now + seconds
    while true do
        local best, bestIndex = nil, nil
        for i, timer in ipairs(stub.timers) do
            if timer.due <= target then
                if best == nil or timer.due < best.due
                    or (timer.due == best.due and timer.seq < best.seq) then
                    best, bestIndex = timer, i
                end
            end
        end
        if best == nil then
            break
        end
        table.remove(stub.timers, bestIndex)
        if best.due > stub.now then
            stub.now = best.due
        end
        best.fn()
    end
    stub.now = target
end

function stub.pendingTimers()
    return #stub.timers
end

-- Frames and events ----------------------------------------------------------------------------

local Frame = {}
Frame.__index = Frame

local function newFrame(frameType, name)
    local frame = setmetatable({
        frameType = frameType,
        name = name,
        events = {},
        scripts = {},
        hooks = {},
        shown = false,
    }, Frame)
    table.insert(stub.frames, frame)
    return frame
end

function Frame:RegisterEvent(event)
    self.events[event] = true
end

function Frame:UnregisterEvent(event)
    self.events[event] = nil
end

function Frame:IsEventRegistered(event)
    return self.events[event] == true
end

function Frame:SetScript(handler, fn)
    self.scripts[handler] = fn
end

function Frame:GetScript(handler)
    return self.scripts[handler]
end

function Frame:HookScript(handler, fn)
    self.hooks[handler] = self.hooks[handler] or {}
    table.insert(self.hooks[handler], fn)
    local key = (self.name or "?") .. ":" .. handler
    stub.hookCounts[key] = (stub.hookCounts[key] or 0) + 1
end

function Frame:RunScript(handler, ...)
    if self.scripts[handler] then
        self.scripts[handler](self, ...)
    end
    for _, fn in ipairs(self.hooks[handler] or {}) do
        fn(self, ...)
    end
end

function Frame:Show()
    if not self.shown then
        self.shown = true
        self:RunScript("OnShow")
    end
end

function Frame:Hide()
    if self.shown then
        self.shown = false
        self:RunScript("OnHide")
    end
end

function Frame:IsShown()
    return self.shown
end

function CreateFrame(frameType, name)
    return newFrame(frameType, name)
end

function stub.fire(event, ...)
    -- Copy first: a handler may create or unregister frames.
    local targets = {}
    for _, frame in ipairs(stub.frames) do
        if frame.events[event] then
            table.insert(targets, frame)
        end
    end
    for _, frame in ipairs(targets) do
        local handler = frame.scripts.OnEvent
        if handler then
            handler(frame, event, ...)
        end
    end
end

function hooksecurefunc(target, name, hook)
    local tbl = _G
    if type(target) == "table" then
        tbl = target
    else
        name, hook = target, name
    end
    local original = tbl[name]
    if type(original) ~= "function" then
        error("hooksecurefunc(): " .. tostring(name) .. " is not a function", 2)
    end
    rawset(tbl, name, function(...)
        local a, b, c, d, e = original(...)
        hook(...)
        return a, b, c, d, e
    end)
    stub.hookCounts[name] = (stub.hookCounts[name] or 0) + 1
end

-- Add-ons: Blizzard_Communities is load-on-demand; CommunitiesFrame exists only once it loads.

C_AddOns = {}

function C_AddOns.IsAddOnLoaded(name)
    local loaded = stub.loaded[name] == true
    return loaded, loaded
end

function stub.loadAddOn(name)
    if stub.loaded[name] then
        return
    end
    stub.loaded[name] = true
    if name == "Blizzard_Communities" then
        rawset(_G, "CommunitiesFrame", newFrame("Frame", "CommunitiesFrame"))
    end
    stub.fire("ADDON_LOADED", name)
end

stub.guildFrameToggles = 0

-- The J key: loads the guild UI on first use, then shows or hides it.
function ToggleGuildFrame()
    stub.guildFrameToggles = stub.guildFrameToggles + 1
    stub.loadAddOn("Blizzard_Communities")
    if CommunitiesFrame:IsShown() then
        CommunitiesFrame:Hide()
    else
        CommunitiesFrame:Show()
    end
end

-- Guild -----------------------------------------------------------------------------------------

-- stub.setGuild{name = "Pull All The Things", realm = "Sen'jin", members = {...},
--   emptyResponses = k, canViewOfficerNotes = true, answersRoster = true}
-- Each member: {fullName = "Name-Realm" or "Name", rankName, rankIndex, level, class, classFile,
--   zone, note, officerNote, isOnline, lastOnline = {y, m, d, h} or nil, achievementPoints}.
-- The first `emptyResponses` roster requests leave the roster empty (GetNumGuildMembers() == 0),
-- as the real client does right after login.
function stub.setGuild(guild)
    stub.guild = guild
    if guild.realm then
        stub.realm = guild.realm
    end
    if guild.answersRoster == nil then
        guild.answersRoster = true
    end
    if guild.canViewOfficerNotes == nil then
        guild.canViewOfficerNotes = true
    end
    guild.members = guild.members or {}
    guild.emptyResponses = guild.emptyResponses or 0
    stub.rosterLoaded = false
end

function stub.leaveGuild()
    stub.guild = nil
    stub.rosterLoaded = false
end

function IsInGuild()
    return stub.guild ~= nil
end

C_GuildInfo = {}

function C_GuildInfo.GuildRoster()
    stub.rosterRequests = stub.rosterRequests + 1
    local guild = stub.guild
    if not guild then
        return
    end
    if guild.emptyResponses > 0 then
        guild.emptyResponses = guild.emptyResponses - 1
        stub.rosterLoaded = false
    else
        stub.rosterLoaded = true
    end
    if guild.answersRoster then
        C_Timer.After(0.1, function()
            stub.fire("GUILD_ROSTER_UPDATE", false)
        end)
    end
end

local function canViewOfficerNote()
    stub.officerNoteChecks = stub.officerNoteChecks + 1
    if stub.officerNoteApi == "error" then
        error("CanViewOfficerNote exploded")
    end
    return stub.guild ~= nil and stub.guild.canViewOfficerNotes == true
end

-- mode: "c_guildinfo" (current client), "global" (old global only), "none", "error".
function stub.setOfficerNoteApi(mode)
    stub.officerNoteApi = mode
    C_GuildInfo.CanViewOfficerNote = nil
    rawset(_G, "CanViewOfficerNote", nil)
    if mode == "c_guildinfo" or mode == "error" then
        C_GuildInfo.CanViewOfficerNote = canViewOfficerNote
    elseif mode == "global" then
        rawset(_G, "CanViewOfficerNote", canViewOfficerNote)
    end
end

stub.setOfficerNoteApi("c_guildinfo")

function GetNumGuildMembers()
    if not stub.guild or not stub.rosterLoaded then
        return 0, 0, 0
    end
    local total, online = #stub.guild.members, 0
    for _, m in ipairs(stub.guild.members) do
        if m.isOnline then
            online = online + 1
        end
    end
    return total, online, online
end

-- Returns the officer note whatever the player's rank, so the tests prove that PATTSync itself
-- leaves it out when officer notes are not visible (ADD-8).
function GetGuildRosterInfo(index)
    if not stub.guild or not stub.rosterLoaded then
        return nil
    end
    local m = stub.guild.members[index]
    if not m then
        return nil
    end
    return m.fullName, m.rankName, m.rankIndex, m.level, m.class, m.zone, m.note, m.officerNote,
        m.isOnline, m.status or 0, m.classFile, m.achievementPoints, 0, false, false, 0, nil
end

function GetGuildRosterLastOnline(index)
    if not stub.guild or not stub.rosterLoaded then
        return nil
    end
    local m = stub.guild.members[index]
    if not m or not m.lastOnline then
        return nil
    end
    local lo = m.lastOnline
    return lo[1], lo[2], lo[3], lo[4]
end

function GetRealmName()
    return stub.realm
end

function GetGuildInfo(unit)
    if unit ~= "player" or not stub.guild then
        return nil
    end
    return stub.guild.name, "Member", 3, stub.realm
end

-- Strings, chat, slash commands ------------------------------------------------------------------

-- WoW's strtrim(s [, chars]) trims whitespace (space, tab, CR, LF) or the given characters.
function strtrim(s, chars)
    chars = chars or " \t\r\n"
    local set = {}
    for i = 1, #chars do
        set[chars:sub(i, i)] = true
    end
    local first, last = 1, #s
    while first <= last and set[s:sub(first, first)] do
        first = first + 1
    end
    while last >= first and set[s:sub(last, last)] do
        last = last - 1
    end
    return s:sub(first, last)
end

DEFAULT_CHAT_FRAME = {}

function DEFAULT_CHAT_FRAME:AddMessage(text)
    table.insert(stub.lines, text)
end

-- Chat lines without colour codes (|cAARRGGBB ... |r).
function stub.plain(text)
    return (text:gsub("|c%x%x%x%x%x%x%x%x", ""):gsub("|r", ""))
end

function stub.plainLines()
    local out = {}
    for i, line in ipairs(stub.lines) do
        out[i] = stub.plain(line)
    end
    return out
end

function stub.clearLines()
    stub.lines = {}
end

SlashCmdList = {}

-- Type `command msg` in the chat box, as the client does: find the SLASH_<KEY><n> global whose
-- value is the command, then call SlashCmdList[KEY](msg).
function stub.slash(command, msg)
    for key, handler in pairs(SlashCmdList) do
        local n = 1
        while rawget(_G, "SLASH_" .. key .. n) do
            if rawget(_G, "SLASH_" .. key .. n):lower() == command:lower() then
                handler(msg or "")
                return true
            end
            n = n + 1
        end
    end
    return false
end

-- Record every new global and the chunk that created it (ADD-3 allows PATTSync only a few).
setmetatable(_G, {
    __newindex = function(t, key, value)
        local info = debug.getinfo(2, "S")
        stub.globalWrites[key] = info and info.source or "?"
        rawset(t, key, value)
    end,
})

return stub
