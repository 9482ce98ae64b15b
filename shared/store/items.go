package store

import (
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/text"
)

// Person statuses.
const (
	StatusInvited  = "invited"
	StatusActive   = "active"
	StatusInactive = "inactive"
	// StatusDeleting marks a person whose deletion started: access is gone
	// and counters are released; the Cognito user and the items follow.
	StatusDeleting = "deleting"
)

// Person is what staff members and customers share: identity, status, the
// current invitation and reset tokens, the optimistic version and the four
// list-index keys. It is embedded in Staff and Customer, whose items keep
// these attributes at the top level.
type Person struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	ID        string `dynamodbav:"id"`
	Email     string `dynamodbav:"email"`
	FirstName string `dynamodbav:"firstName"`
	LastName  string `dynamodbav:"lastName"`
	Status    string `dynamodbav:"status"`
	Locale    string `dynamodbav:"locale"`
	Sub       string `dynamodbav:"sub,omitempty"`
	// Username is the person's Cognito username (set with Sub when the
	// invitation is accepted): every directory call names the user by it.
	Username  string `dynamodbav:"username,omitempty"`
	CreatedAt string `dynamodbav:"createdAt"`
	UpdatedAt string `dynamodbav:"updatedAt"`
	LastLogin string `dynamodbav:"lastLoginAt,omitempty"`
	// The current invitation: its token hash (a newer one replaces it, which
	// is what kills the old link) and when it was sent and expires.
	InvitationHash    string `dynamodbav:"invitationHash,omitempty"`
	InvitationSentAt  string `dynamodbav:"invitationSentAt,omitempty"`
	InvitationExpires string `dynamodbav:"invitationExpiresAt,omitempty"`
	ResetHash         string `dynamodbav:"resetHash,omitempty"`
	// ResetSentAt is when the last reset mail was queued; ResetRequest
	// names the bulk reset request (idempotency.Tag) that queued it, so a
	// retry of that request skips the person.
	ResetSentAt  string `dynamodbav:"resetSentAt,omitempty"`
	ResetRequest string `dynamodbav:"resetRequest,omitempty"`
	// A new sign-in address waiting for its confirmation link (only for
	// people who have signed in; see account.SetEmail): the address,
	// claimed meanwhile, and the hash of the live link's token.
	PendingEmail        string `dynamodbav:"pendingEmail,omitempty"`
	PendingEmailHash    string `dynamodbav:"pendingEmailHash,omitempty"`
	PendingEmailSentAt  string `dynamodbav:"pendingEmailSentAt,omitempty"`
	PendingEmailExpires string `dynamodbav:"pendingEmailExpiresAt,omitempty"`
	Version             int64  `dynamodbav:"version"`

	// List index keys, derived from the fields above by Index.
	GSI1PK string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty"`
	GSI2PK string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK string `dynamodbav:"gsi2sk,omitempty"`
	GSI3PK string `dynamodbav:"gsi3pk,omitempty"`
	GSI3SK string `dynamodbav:"gsi3sk,omitempty"`
	GSI4PK string `dynamodbav:"gsi4pk,omitempty"`
	GSI4SK string `dynamodbav:"gsi4sk,omitempty"`
}

// Base returns the shared fields.
func (p *Person) Base() *Person { return p }

// CognitoUser is what names the person's Cognito user in directory calls:
// the username kept since issue 15, or, for a person who accepted before
// usernames were kept, the sub. Cognito takes a local user's sub wherever an
// admin call takes a username, and a sub, like a username, never changes
// and never moves to another user (an address can). "" before the accept.
func (p *Person) CognitoUser() string {
	if p.Username != "" {
		return p.Username
	}
	return p.Sub
}

// index sets the keys and the four list keys shared by staff and customers:
// one partition per status, sorted by last name, first name, email and
// creation time.
func (p *Person) index(key Key, typ, partition string) {
	p.PK, p.SK, p.Type = key.PK, key.SK, typ
	first, last := text.Fold(p.FirstName), text.Fold(p.LastName)
	p.GSI1PK, p.GSI1SK = partition, SortKey(last, first, p.ID)
	p.GSI2PK, p.GSI2SK = partition, SortKey(first, last, p.ID)
	p.GSI3PK, p.GSI3SK = partition, SortKey(p.Email, p.ID)
	p.GSI4PK, p.GSI4SK = partition, SortKey(p.CreatedAt, p.ID)
}

// Account is a staff member's or a customer's profile: what the flows both
// share (invitations, passwords, sessions) need from either.
type Account interface {
	Base() *Person
	// Put writes the profile, under cond, and every item copied from it
	// (a staff member's role member items) into tx.
	Put(tx *Tx, cond *expression.ConditionBuilder, onFail error)
	// Roles are the role ids the auth record carries (none for customers).
	Roles() []string
}

// Staff is a backoffice user's profile.
type Staff struct {
	Person
	RoleIDs   []string `dynamodbav:"roleIds"`
	InvitedBy string   `dynamodbav:"invitedBy,omitempty"`
}

// Index sets the keys and the derived list-index attributes. Call it before
// every write so the indexes never disagree with the fields.
func (s *Staff) Index() *Staff {
	s.index(StaffKey(s.ID), "Staff", StaffPartition(s.Status))
	return s
}

// Put writes the profile and its role member items (their copied list keys
// follow the profile's name, email and status).
func (s *Staff) Put(tx *Tx, cond *expression.ConditionBuilder, onFail error) {
	tx.Put(s.Index(), cond, onFail)
	for _, m := range s.Members() {
		tx.Put(m, nil, nil)
	}
}

// Roles are the staff member's role ids.
func (s *Staff) Roles() []string { return s.RoleIDs }

// SortKeySep joins the parts of a list sort key. It sorts below every
// character a name or email may hold (control characters are refused), so
// "van" sorts before "van der" and the key orders like the tuple of parts.
const SortKeySep = "\x01"

// SortKey joins parts into an index sort key.
func SortKey(parts ...string) string { return strings.Join(parts, SortKeySep) }

// StaffPartition is the index partition of staff with one status: a status
// filter is a Query on one partition, never a filter over everyone.
func StaffPartition(status string) string { return "STAFF#" + status }

// RoleStaffPartition is the same for the members of one role: role member
// items carry the member's index keys, so "staff with role R, sorted" is a
// Query too.
func RoleStaffPartition(roleID, status string) string { return "ROLE#" + roleID + "#STAFF#" + status }

// Members are the role member items of the person, with the person's list
// keys copied in. Write them whenever the profile is written.
func (s *Staff) Members() []RoleMember {
	s.Index()
	members := make([]RoleMember, 0, len(s.RoleIDs))
	for _, roleID := range s.RoleIDs {
		m := NewRoleMember(roleID, s.ID)
		part := RoleStaffPartition(roleID, s.Status)
		m.GSI1PK, m.GSI1SK = part, s.GSI1SK
		m.GSI2PK, m.GSI2SK = part, s.GSI2SK
		m.GSI3PK, m.GSI3SK = part, s.GSI3SK
		m.GSI4PK, m.GSI4SK = part, s.GSI4SK
		members = append(members, m)
	}
	return members
}

// HasRole reports whether the person holds role id.
func (s *Staff) HasRole(id string) bool {
	for _, r := range s.RoleIDs {
		if r == id {
			return true
		}
	}
	return false
}

// Auth is what every authenticated request reads about its caller, by the
// token's sub, in one GetItem. It is written at accept and changed inside the
// same transactions that change the profile fields it copies.
type Auth struct {
	PK       string   `dynamodbav:"pk"`
	SK       string   `dynamodbav:"sk"`
	Type     string   `dynamodbav:"type"`
	Sub      string   `dynamodbav:"sub"`
	Username string   `dynamodbav:"username,omitempty"` // the Cognito username (Person.Username)
	Realm    string   `dynamodbav:"realm"`              // "staff" or "customer"
	PersonID string   `dynamodbav:"personId"`
	Email    string   `dynamodbav:"email"`
	Status   string   `dynamodbav:"status"`
	RoleIDs  []string `dynamodbav:"roleIds"`
	// Tokens whose auth_time is at or before this second are refused:
	// logout-all, deactivation and password changes set it.
	TokensNotBefore int64 `dynamodbav:"tokensNotBefore"`
}

// NewAuth builds the auth record of a person.
func NewAuth(sub, username, realm, personID, email, status string, roleIDs []string) Auth {
	k := AuthKey(sub)
	return Auth{PK: k.PK, SK: k.SK, Type: "Auth", Sub: sub, Username: username, Realm: realm, PersonID: personID, Email: email, Status: status, RoleIDs: roleIDs}
}

// EmailClaim makes an address unique within a realm.
type EmailClaim struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Type     string `dynamodbav:"type"`
	Email    string `dynamodbav:"email"`
	PersonID string `dynamodbav:"personId"`
	// PendingUntil marks the claim of an address a person's sign-in
	// address is to change to: it holds only until then (EmailFree), and
	// TTL removes it a day later. The confirmation writes the claim anew,
	// without either.
	PendingUntil string `dynamodbav:"pendingUntil,omitempty"`
	TTL          int64  `dynamodbav:"ttl,omitempty"`
}

// NewEmailClaim claims email for personID.
func NewEmailClaim(realm, email, personID string) EmailClaim {
	k := EmailKey(realm, email)
	return EmailClaim{PK: k.PK, SK: k.SK, Type: "EmailClaim", Email: email, PersonID: personID}
}

// NewPendingEmailClaim claims email for personID until the change of
// address to it expires.
func NewPendingEmailClaim(realm, email, personID string, until time.Time) EmailClaim {
	c := NewEmailClaim(realm, email, personID)
	c.PendingUntil, c.TTL = until.UTC().Format(time.RFC3339), until.Add(24*time.Hour).Unix()
	return c
}

// EmailFree is the condition for claiming an address at now: nobody holds
// it, or only a change of address to it that expired unconfirmed.
func EmailFree(now time.Time) expression.ConditionBuilder {
	return expression.AttributeNotExists(expression.Name("pk")).
		Or(expression.Name("pendingUntil").LessThan(expression.Value(now.UTC().Format(time.RFC3339))))
}

// EmailFreeOrHeldBy is EmailFree, or the address is personID's already.
func EmailFreeOrHeldBy(now time.Time, personID string) expression.ConditionBuilder {
	return EmailFree(now).Or(expression.Name("personId").Equal(expression.Value(personID)))
}

// HeldBy is the condition that a claim (or any item naming a person) is
// personID's.
func HeldBy(personID string) expression.ConditionBuilder {
	return expression.Name("personId").Equal(expression.Value(personID))
}

// Token kinds.
const (
	TokenInvitation = "invitation"
	TokenReset      = "reset"
	// TokenEmailChange confirms a new sign-in address.
	TokenEmailChange = "email_change"
)

// Token is a mail token, stored only as the hash of its secret.
type Token struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	Kind      string `dynamodbav:"kind"`
	Realm     string `dynamodbav:"realm"`
	SubjectID string `dynamodbav:"subjectId"`
	ExpiresAt string `dynamodbav:"expiresAt"`
	CreatedAt string `dynamodbav:"createdAt"`
	// ClaimID and ClaimedAt mark an accept in progress: the token is claimed
	// before Cognito is called so two parallel accepts can not both proceed.
	ClaimID   string `dynamodbav:"claimId,omitempty"`
	ClaimedAt string `dynamodbav:"claimedAt,omitempty"`
	UsedAt    string `dynamodbav:"usedAt,omitempty"`
	TTL       int64  `dynamodbav:"ttl"`
}

// Session is one login; refresh needs it, logout deletes it, and
// tokensNotBefore on the auth record ends all older ones at once. It lists
// the access tokens minted from it (login and every refresh), so that ending
// it can refuse each of them; its gsi1 keys list a person's sessions.
type Session struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Type     string `dynamodbav:"type"`
	PersonID string `dynamodbav:"personId"`
	Sub      string `dynamodbav:"sub"`
	// Username is the Cognito username of the session's tokens (their
	// username claim): a refresh's SECRET_HASH is computed over it.
	Username  string `dynamodbav:"username,omitempty"`
	Realm     string `dynamodbav:"realm"`
	AuthTime  int64  `dynamodbav:"authTime"`
	CreatedAt string `dynamodbav:"createdAt"`
	SourceIP  string `dynamodbav:"sourceIp,omitempty"`
	UserAgent string `dynamodbav:"userAgent,omitempty"`
	// Tokens are the jti and exp of every access token minted from the
	// session that may still be live; Mints counts the writes that changed
	// them (the optimistic version of the list).
	Tokens map[string]int64 `dynamodbav:"jtis"`
	Mints  int64            `dynamodbav:"mints"`
	TTL    int64            `dynamodbav:"ttl"`
	// A person's sessions, oldest first: SessionsPartition / createdAt#hash.
	GSI1PK string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty"`
}

// NewSession is the session of a refresh token (by its hash) for personID.
func NewSession(hash, personID string, created time.Time) Session {
	k := SessionKey(hash)
	at := created.UTC().Format(time.RFC3339)
	return Session{PK: k.PK, SK: k.SK, Type: "Session", PersonID: personID, CreatedAt: at,
		GSI1PK: SessionsPartition(personID), GSI1SK: SortKey(at, hash), Tokens: map[string]int64{}}
}

// ID is the session's id: the hash of its refresh token.
func (s *Session) ID() string { return strings.TrimPrefix(s.PK, "SESSION#") }

// Live are the session's access tokens that have not expired at now.
func (s *Session) Live(now time.Time) map[string]int64 {
	live := map[string]int64{}
	for jti, exp := range s.Tokens {
		if exp > now.Unix() {
			live[jti] = exp
		}
	}
	return live
}

// Revoked denies one access token by its jti until the token expires.
// Session names the session whose ending denied it, so that a repeated
// logout of that session can still complete.
type Revoked struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Type    string `dynamodbav:"type"`
	Session string `dynamodbav:"session,omitempty"`
	TTL     int64  `dynamodbav:"ttl"`
}

// NewRevoked denies jti until exp; session is the id of the session whose
// ending denies it.
func NewRevoked(jti string, exp int64, session string) Revoked {
	k := RevokedKey(jti)
	return Revoked{PK: k.PK, SK: k.SK, Type: "RevokedToken", Session: session, TTL: exp}
}

// Settings is the shop's configuration and its race-free counters.
type Settings struct {
	PK                     string `dynamodbav:"pk"`
	SK                     string `dynamodbav:"sk"`
	Type                   string `dynamodbav:"type"`
	ShopName               string `dynamodbav:"shopName"`
	DefaultLocale          string `dynamodbav:"defaultLocale"`
	SeatLimit              int    `dynamodbav:"seatLimit"`
	SeatsUsed              int    `dynamodbav:"seatsUsed"`
	ActiveOwners           int    `dynamodbav:"activeOwners"`
	IncludedSeats          int    `dynamodbav:"includedSeats"`
	PricePerExtraSeatCents int    `dynamodbav:"pricePerExtraSeatCents"`
	Currency               string `dynamodbav:"currency"`
	InvitationTTLHours     int    `dynamodbav:"invitationTtlHours"`
	ResetTTLMinutes        int    `dynamodbav:"resetTtlMinutes"`
	AuditRetentionDays     int    `dynamodbav:"auditRetentionDays"`
	UpdatedAt              string `dynamodbav:"updatedAt"`
	Version                int64  `dynamodbav:"version"`
}

// AuditRetention is how long audit events are kept (zero when the settings
// say nothing: the audit default applies).
func (s *Settings) AuditRetention() time.Duration {
	return time.Duration(s.AuditRetentionDays) * 24 * time.Hour
}

// DefaultSettings are the settings of a new shop (seed 001: one seat
// included, €25 a month for each extra; seed 004: plans of a few seats).
func DefaultSettings(shopName, now string) Settings {
	k := SettingsKey()
	return Settings{
		PK: k.PK, SK: k.SK, Type: "Settings",
		ShopName: shopName, DefaultLocale: "en",
		SeatLimit: 5, IncludedSeats: 1, PricePerExtraSeatCents: 2500, Currency: "EUR",
		InvitationTTLHours: 7 * 24, ResetTTLMinutes: 60, AuditRetentionDays: 400,
		UpdatedAt: now, Version: 1,
	}
}

// Role is a named set of permissions.
type Role struct {
	PK          string   `dynamodbav:"pk"`
	SK          string   `dynamodbav:"sk"`
	Type        string   `dynamodbav:"type"`
	ID          string   `dynamodbav:"id"`
	Name        string   `dynamodbav:"name"`
	Description string   `dynamodbav:"description"`
	Permissions []string `dynamodbav:"permissions"`
	BuiltIn     bool     `dynamodbav:"builtIn"`
	MemberCount int      `dynamodbav:"memberCount"`
	// Deleting marks a role whose removal from its members is under way:
	// it grants nothing from that moment, and a repeated DELETE resumes.
	Deleting  bool   `dynamodbav:"deleting,omitempty"`
	CreatedAt string `dynamodbav:"createdAt"`
	UpdatedAt string `dynamodbav:"updatedAt"`
	Version   int64  `dynamodbav:"version"`
	// All roles, by name: one Query (roles are few; no pagination needed).
	GSI5PK string `dynamodbav:"gsi5pk"`
	GSI5SK string `dynamodbav:"gsi5sk"`
}

// RolesPartition holds every role in the gsi5 index.
const RolesPartition = "ROLES"

// Index sets the keys of a role.
func (r *Role) Index() *Role {
	k := RoleKey(r.ID)
	r.PK, r.SK, r.Type = k.PK, k.SK, "Role"
	r.GSI5PK, r.GSI5SK = RolesPartition, SortKey(text.Fold(r.Name), r.ID)
	return r
}

// RoleMember links a person to a role.
type RoleMember struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Type     string `dynamodbav:"type"`
	RoleID   string `dynamodbav:"roleId"`
	PersonID string `dynamodbav:"personId"`
	GSI1PK   string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK   string `dynamodbav:"gsi1sk,omitempty"`
	GSI2PK   string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK   string `dynamodbav:"gsi2sk,omitempty"`
	GSI3PK   string `dynamodbav:"gsi3pk,omitempty"`
	GSI3SK   string `dynamodbav:"gsi3sk,omitempty"`
	GSI4PK   string `dynamodbav:"gsi4pk,omitempty"`
	GSI4SK   string `dynamodbav:"gsi4sk,omitempty"`
}

// NewRoleMember links personID to roleID.
func NewRoleMember(roleID, personID string) RoleMember {
	k := RoleMemberKey(roleID, personID)
	return RoleMember{PK: k.PK, SK: k.SK, Type: "RoleMember", RoleID: roleID, PersonID: personID}
}

// Category is a product category; ParentID is empty at the top level.
type Category struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	Type        string `dynamodbav:"type"`
	ID          string `dynamodbav:"id"`
	ParentID    string `dynamodbav:"parentId,omitempty"`
	Name        string `dynamodbav:"name"`
	Slug        string `dynamodbav:"slug"`
	Description string `dynamodbav:"description"`
	// ThumbnailURL is what the API shows; ThumbnailKey is set when the
	// image is an object of the thumbnail bucket (removed when replaced).
	ThumbnailURL string `dynamodbav:"thumbnailUrl,omitempty"`
	ThumbnailKey string `dynamodbav:"thumbnailKey,omitempty"`
	// PendingThumbnailKey is the object an upload URL was issued for and
	// that has not landed yet, with who asked for it; the category switches
	// to it once S3 reports the object (categories.ThumbnailUploaded).
	PendingThumbnailKey     string `dynamodbav:"pendingThumbnailKey,omitempty"`
	PendingThumbnailBy      string `dynamodbav:"pendingThumbnailBy,omitempty"`
	PendingThumbnailByEmail string `dynamodbav:"pendingThumbnailByEmail,omitempty"`
	// Rank orders siblings with gaps, so a move rewrites one item.
	Rank       int64  `dynamodbav:"rank"`
	ChildCount int    `dynamodbav:"childCount"`
	CreatedAt  string `dynamodbav:"createdAt"`
	UpdatedAt  string `dynamodbav:"updatedAt"`
	Version    int64  `dynamodbav:"version"`
	// Children of a parent in order (gsi5); every category (gsi4).
	GSI4PK string `dynamodbav:"gsi4pk"`
	GSI4SK string `dynamodbav:"gsi4sk"`
	GSI5PK string `dynamodbav:"gsi5pk"`
	GSI5SK string `dynamodbav:"gsi5sk"`
}

// RankWidth is the number of digits of a rank in sort keys.
const RankWidth = 16

// RankKey is a rank as a fixed-width sort key part.
func RankKey(rank int64) string {
	s := strconv.FormatInt(rank, 10)
	return strings.Repeat("0", max(0, RankWidth-len(s))) + s
}

// Index sets the keys of a category from its fields.
func (c *Category) Index() *Category {
	k := CategoryKey(c.ID)
	c.PK, c.SK, c.Type = k.PK, k.SK, "Category"
	c.GSI4PK, c.GSI4SK = CategoriesPartition, c.ID
	c.GSI5PK, c.GSI5SK = CategoryChildrenPartition(c.ParentID), RankKey(c.Rank)+"#"+c.ID
	return c
}
