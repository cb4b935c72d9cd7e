-- PATTSync -- exports the guild roster, with notes, into SavedVariables for the guild website's
-- companion uploader. Rules ADD-1 .. ADD-15 of spec/addon-and-companion.md.
-- Lua 5.1 only (the game's dialect): no goto, no //, no bit operators.

local addonName, ns = ... -- ADD-3: all state lives in ns
ns = ns or {}

local VERSION = "2.0.0"
local SCHEMA_VERSION = 1
local COOLDOWN = 21600 -- 6 hours (ADD-7)
local WATCHDOG_SECONDS = 5 -- a roster request that gets no answer counts as empty (ADD-7)
local RETRY_DELAY = 2
local MAX_RETRIES = 3

ns.VERSION = VERSION
ns.SCHEMA_VERSION = SCHEMA_VERSION
ns.COOLDOWN = COOLDOWN
ns.WATCHDOG_SECONDS = WATCHDOG_SECONDS
ns.RETRY_DELAY = RETRY_DELAY
ns.MAX_RETRIES = MAX_RETRIES

-- Export state
ns.inProgress = false
ns.exportMode = nil
ns.retries = 0
ns.requestSeq = 0 -- every roster request gets a new number (ADD-6)
ns.awaitingSeq = nil -- the request whose answer we are waiting for; nil = not waiting
ns.hookedGuildFrame = false
ns.hookedCommunities = false

-- Chat output (ADD-15) ------------------------------------------------------------------------

local PREFIX = "|cFFD4A84B[PATTSync]|r "
local RED = "|cFFF87171"
local GREEN = "|cFF4ADE80"
local BODY = "|cFFE8E8E8"

local function say(color, text)
    DEFAULT_CHAT_FRAME:AddMessage(PREFIX .. color .. text .. "|r")
end

local function Print(text)
    say(BODY, text)
end

local function PrintError(text)
    say(RED, text)
end

local function PrintSuccess(text)
    say(GREEN, text)
end

-- Formatting ----------------------------------------------------------------------------------

-- ADD-14: < 60 s "<n> seconds", < 1 h "<n> minutes" (floor), else "<h>h <m>m".
function ns.FormatDuration(seconds)
    seconds = math.floor(tonumber(seconds) or 0)
    if seconds < 0 then
        seconds = 0
    end
    if seconds < 60 then
        return seconds .. " seconds"
    end
    if seconds < 3600 then
        return math.floor(seconds / 60) .. " minutes"
    end
    local hours = math.floor(seconds / 3600)
    local minutes = math.floor((seconds % 3600) / 60)
    return hours .. "h " .. minutes .. "m"
end

-- ADD-9: "Online", "" when the client knows nothing, else the largest units that apply.
function ns.FormatLastOnline(isOnline, years, months, days, hours)
    if isOnline then
        return "Online"
    end
    if years == nil and months == nil and days == nil and hours == nil then
        return ""
    end
    years, months, days, hours = years or 0, months or 0, days or 0, hours or 0
    if years > 0 then
        return years .. "y " .. months .. "m " .. days .. "d"
    end
    if months > 0 then
        return months .. "m " .. days .. "d"
    end
    if days > 0 then
        return days .. "d " .. hours .. "h"
    end
    return hours .. "h"
end

local function OwnRealm()
    return GetRealmName() or "Unknown"
end

-- ADD-8: "Bloodvalor-AlteracMountains" -> "Bloodvalor", "AlteracMountains";
-- "Trogmoon" (own realm) -> "Trogmoon", GetRealmName(). Realms are kept as the game gives them.
function ns.SplitName(fullName)
    local dash = string.find(fullName, "-", 1, true)
    if not dash then
        return fullName, OwnRealm()
    end
    local name = string.sub(fullName, 1, dash - 1)
    local realm = string.sub(fullName, dash + 1)
    if realm == "" then
        realm = OwnRealm()
    end
    return name, realm
end

-- SavedVariables (ADD-12) --------------------------------------------------------------------

local DB_DEFAULTS = {
    schemaVersion = SCHEMA_VERSION,
    lastExportTime = 0,
    totalExports = 0,
}

-- A non-table PATTSyncDB is replaced; missing keys are filled; existing values are kept.
function ns.InitDB()
    if type(PATTSyncDB) ~= "table" then
        PATTSyncDB = {}
    end
    for key, value in pairs(DB_DEFAULTS) do
        if PATTSyncDB[key] == nil then
            PATTSyncDB[key] = value
        end
    end
    return PATTSyncDB
end

-- ADD-4/ADD-10: asked once per export; a missing API or an error means "not visible".
local function CanViewOfficerNotes()
    local check = (C_GuildInfo and C_GuildInfo.CanViewOfficerNote) or CanViewOfficerNote
    if type(check) ~= "function" then
        return false
    end
    local ok, visible = pcall(check)
    return ok and visible == true
end

local function BuildRecord(index, canViewOfficerNotes)
    local fullName, rankName, rankIndex, level, class, zone, note, officerNote, isOnline, _,
        classFile, achievementPoints = GetGuildRosterInfo(index)
    if fullName == nil then
        return nil
    end
    local name, realm = ns.SplitName(fullName)
    local online = isOnline == true
    local years, months, days, hours
    if not online then
        years, months, days, hours = GetGuildRosterLastOnline(index)
    end
    return {
        name = name,
        realm = realm,
        class = class or "Unknown",
        classFile = classFile or "UNKNOWN",
        level = level or 0,
        rank = rankIndex or 99,
        rankName = rankName or "Unknown",
        zone = zone or "",
        note = note or "",
        officerNote = (canViewOfficerNotes and officerNote) or "",
        isOnline = online,
        lastOnline = ns.FormatLastOnline(online, years, months, days, hours),
        achievementPoints = achievementPoints or 0,
    }
end

-- Export flow (ADD-7) ------------------------------------------------------------------------

local RequestRoster -- defined below; OnRosterData and RequestRoster call each other

local function FinishExport(count)
    local db = ns.InitDB()
    local exportTime = time()
    local canViewOfficerNotes = CanViewOfficerNotes()
    local characters = {}
    for index = 1, count do
        local record = BuildRecord(index, canViewOfficerNotes)
        if record then
            characters[#characters + 1] = record
        end
    end
    db.lastExport = {
        schemaVersion = SCHEMA_VERSION,
        exportTime = exportTime,
        exportTimeISO = date("!%Y-%m-%dT%H:%M:%SZ", exportTime),
        addonVersion = VERSION,
        guildName = GetGuildInfo("player") or "Unknown",
        realmName = OwnRealm(),
        canViewOfficerNotes = canViewOfficerNotes,
        memberCount = #characters,
        characters = characters,
    }
    db.lastExportTime = exportTime
    db.totalExports = (tonumber(db.totalExports) or 0) + 1
    ns.inProgress = false
    ns.exportMode = nil

    PrintSuccess("Export complete! " .. #characters .. " characters exported.")
    -- ADD-11: only the game writes the file, and only on /reload, logout or exit.
    Print("Type /reload or log out so the companion app can upload it.")
    if not canViewOfficerNotes then
        Print("Your rank can't see officer notes -- they are not included.")
    end
end

-- Called by the awaited GUILD_ROSTER_UPDATE, or by the watchdog (as an empty roster).
local function OnRosterData(seq, timedOut)
    if not ns.inProgress or seq ~= ns.awaitingSeq then
        return -- a late answer or watchdog of an earlier request
    end
    ns.awaitingSeq = nil
    local count = 0
    if not timedOut then
        count = GetNumGuildMembers() or 0
    end
    if count > 0 then
        FinishExport(count)
        return
    end
    ns.retries = ns.retries + 1
    if ns.retries <= MAX_RETRIES then
        Print("Waiting for guild data (attempt " .. ns.retries .. "/" .. MAX_RETRIES .. ")...")
        local retrySeq = ns.requestSeq
        C_Timer.After(RETRY_DELAY, function()
            if ns.inProgress and ns.requestSeq == retrySeq then
                RequestRoster()
            end
        end)
        return
    end
    PrintError("Failed to get guild roster data after " .. MAX_RETRIES
        .. " retries. Try /pattsync again.")
    ns.inProgress = false
    ns.exportMode = nil
end

RequestRoster = function()
    ns.requestSeq = ns.requestSeq + 1
    local seq = ns.requestSeq
    ns.awaitingSeq = seq
    C_GuildInfo.GuildRoster()
    C_Timer.After(WATCHDOG_SECONDS, function()
        OnRosterData(seq, true)
    end)
end

ns.OnRosterData = OnRosterData

-- mode: "auto" (guild window opened; silent unless it exports), "manual" (/pattsync),
-- "force" (/pattsync force: ignores the cooldown). Returns true when a request was started.
function ns.Export(mode)
    mode = mode or "manual"
    local loud = mode ~= "auto"
    if not IsInGuild() then
        if loud then
            PrintError("You are not in a guild!")
        end
        return false
    end
    local db = ns.InitDB()
    if mode ~= "force" then
        local elapsed = time() - (tonumber(db.lastExportTime) or 0)
        if elapsed < COOLDOWN then
            if mode == "manual" then
                Print("Export on cooldown. Next export available in "
                    .. ns.FormatDuration(COOLDOWN - elapsed)
                    .. ". Use /pattsync force to export now.")
            end
            return false
        end
    end
    if ns.inProgress then
        if loud then
            Print("Export already in progress...")
        end
        return false
    end
    ns.inProgress = true
    ns.exportMode = mode
    ns.retries = 0
    RequestRoster()
    if mode == "auto" then
        Print("Guild window opened -- exporting roster...")
    else
        Print("Requesting guild roster data...")
    end
    return true
end

-- Status (ADD-14) ----------------------------------------------------------------------------

function ns.Status()
    local db = ns.InitDB()
    local last = db.lastExport
    if type(last) == "table" then
        local now = time()
        local exportTime = tonumber(last.exportTime) or tonumber(db.lastExportTime) or now
        Print("Last export: " .. ns.FormatDuration(now - exportTime) .. " ago")
        Print("  Members exported: " .. tostring(last.memberCount or 0))
        if last.canViewOfficerNotes then
            Print("  Officer notes: included")
        else
            Print("  Officer notes: not visible to your rank")
        end
        local remaining = COOLDOWN - (now - (tonumber(db.lastExportTime) or 0))
        if remaining > 0 then
            Print("  Next export in: " .. ns.FormatDuration(remaining))
        else
            Print("  Status: Ready to export")
        end
    else
        Print("No exports yet.")
    end
    Print("  Total exports (all time): " .. tostring(db.totalExports or 0))
end

-- Slash commands (ADD-13) --------------------------------------------------------------------

local HELP = {
    "PATTSync commands:",
    "  /pattsync -- export the guild roster (once every 6 hours)",
    "  /pattsync force -- export now, ignoring the cooldown",
    "  /pattsync status -- show the last export",
    "  /pattsync help -- show this help",
}

function ns.HandleSlash(msg)
    local arg = string.lower(strtrim(msg or ""))
    if arg == "" or arg == "export" then
        ns.Export("manual")
    elseif arg == "force" then
        Print("Forcing export...")
        ns.Export("force")
    elseif arg == "status" then
        ns.Status()
    elseif arg == "help" then
        for _, line in ipairs(HELP) do
            Print(line)
        end
    else
        Print("Unknown command '" .. arg .. "'. Type /pattsync help.")
    end
end

SLASH_PATTSYNC1 = "/pattsync"
SLASH_PATTSYNC2 = "/patt"
SlashCmdList["PATTSYNC"] = ns.HandleSlash

-- Events and hooks (ADD-5, ADD-6) ------------------------------------------------------------

local function AutoExport()
    ns.Export("auto")
end

local function HookCommunitiesFrame()
    if ns.hookedCommunities or not CommunitiesFrame then
        return
    end
    CommunitiesFrame:HookScript("OnShow", AutoExport)
    ns.hookedCommunities = true
end

local function HookGuildFrame()
    if ns.hookedGuildFrame or type(ToggleGuildFrame) ~= "function" then
        return
    end
    hooksecurefunc("ToggleGuildFrame", AutoExport)
    ns.hookedGuildFrame = true
end

local function OnEvent(_, event, arg1)
    if event == "ADDON_LOADED" then
        if arg1 == addonName then
            ns.InitDB()
            Print("v" .. VERSION .. " loaded. Type /pattsync help for commands.")
            HookGuildFrame()
            if C_AddOns and C_AddOns.IsAddOnLoaded("Blizzard_Communities") then
                HookCommunitiesFrame()
            end
        elseif arg1 == "Blizzard_Communities" then
            HookCommunitiesFrame()
        end
    elseif event == "GUILD_ROSTER_UPDATE" then
        -- Other addons ask for the roster all the time; only our own pending request counts.
        if ns.inProgress and ns.awaitingSeq then
            OnRosterData(ns.awaitingSeq, false)
        end
    end
end

ns.frame = CreateFrame("Frame")
ns.frame:RegisterEvent("ADDON_LOADED")
ns.frame:RegisterEvent("GUILD_ROSTER_UPDATE")
ns.frame:SetScript("OnEvent", OnEvent)

_G.PATTSync = ns
