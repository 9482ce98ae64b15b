package store

import "strconv"

// Key builders. Every key starts with the entity it holds so an operator
// browsing the table can read it; infra/DATA.md lists the access patterns.

const (
	profileSK = "PROFILE"

	// Index names. The GSIs have generic key names so that one index serves
	// several item types (see infra/DATA.md for which type uses which).
	IndexByLastName  = "gsi1"
	IndexByFirstName = "gsi2"
	IndexByEmail     = "gsi3"
	IndexByCreated   = "gsi4"
	IndexByOther     = "gsi5"
)

// StaffKey is a staff member's profile.
func StaffKey(id string) Key { return Key{"STAFF#" + id, profileSK} }

// ProfileKey is the profile of a person of realm ("staff" or "customer").
func ProfileKey(realm, id string) Key {
	if realm == RealmCustomer {
		return CustomerKey(id)
	}
	return StaffKey(id)
}

// Realms: staff and customers have separate pools, emails and auth records.
const (
	RealmStaff    = "staff"
	RealmCustomer = "customer"
)

// AuthKey is the auth record read on every authenticated request, keyed by
// the token's sub.
func AuthKey(sub string) Key { return Key{"AUTH#" + sub, "AUTH"} }

// EmailKey claims an address, unique per realm ("staff", "customer").
func EmailKey(realm, email string) Key { return Key{"EMAIL#" + realm + "#" + email, "EMAIL"} }

// TokenKey is a mail token by the SHA-256 of its secret.
func TokenKey(hash string) Key { return Key{"TOKEN#" + hash, "TOKEN"} }

// SessionKey is a login session by the SHA-256 of its refresh token.
func SessionKey(hash string) Key { return Key{"SESSION#" + hash, "SESSION"} }

// SessionsPartition is the gsi1 partition of a person's sessions (their
// session items carry it), newest last: the sessions of one person are one
// Query.
func SessionsPartition(personID string) string { return "SESSIONS#" + personID }

// RevokedKey denies one access token (logout) until it expires.
func RevokedKey(jti string) Key { return Key{"REVOKED#" + jti, "REVOKED"} }

// SettingsKey is the shop's single settings item (seat counters too).
func SettingsKey() Key { return Key{"SETTINGS", "SETTINGS"} }

// RoleKey is a role.
func RoleKey(id string) Key { return Key{"ROLE#" + id, "ROLE"} }

// RoleNameKey claims a role name (case- and accent-insensitive).
func RoleNameKey(folded string) Key { return Key{"ROLENAME#" + folded, "ROLENAME"} }

// RoleMemberKey links a person to a role; Query pk=ROLE#id lists members.
func RoleMemberKey(roleID, personID string) Key { return Key{"ROLE#" + roleID, "MEMBER#" + personID} }

// OutboxKey is a queued mail.
func OutboxKey(id string) Key { return Key{"OUTBOX#" + id, "OUTBOX"} }

// ForgotRequestKey is a forgot-password request waiting for the stream's
// resolver (account.ForgotRequest).
func ForgotRequestKey(id string) Key { return Key{"FORGOTREQ#" + id, "FORGOTREQ"} }

// RateKey counts attempts of one kind for one subject in one time window.
func RateKey(scope, subject string, window int64) Key {
	return Key{"RATE#" + scope + "#" + subject, "W#" + strconv.FormatInt(window, 10)}
}

// AuditKey is one audit event; the partition is the month, so the newest
// events are one Query away and no partition grows without bound.
func AuditKey(at, id string) Key { return Key{"AUDIT#" + at[:7], at + "#" + id} }

// Categories (infra/DATA.md "Categories"). Partition names start with CAT so
// they never meet the CUSTOMER#/STAFF# partitions sharing the same indexes.

// CategoryKey is a category.
func CategoryKey(id string) Key { return Key{"CATEGORY#" + id, "CATEGORY"} }

// CategoryParent names a parent in keys: its id, or ROOT for top level.
func CategoryParent(parentID string) string {
	if parentID == "" {
		return "ROOT"
	}
	return parentID
}

// CategoryNameKey claims a folded name among the children of one parent.
func CategoryNameKey(parentID, folded string) Key {
	return Key{"CATNAME#" + CategoryParent(parentID) + "#" + folded, "CATNAME"}
}

// CategorySlugKey claims a URL slug among the children of one parent.
func CategorySlugKey(parentID, slug string) Key {
	return Key{"CATSLUG#" + CategoryParent(parentID) + "#" + slug, "CATSLUG"}
}

// CategoryChildrenPartition is the gsi5 partition of a parent's children,
// sorted by rank.
func CategoryChildrenPartition(parentID string) string {
	return "CATPARENT#" + CategoryParent(parentID)
}

// CategoriesPartition is the gsi4 partition holding every category: the
// whole tree is a Query of a few pages, not one read per node.
const CategoriesPartition = "CATEGORY"
