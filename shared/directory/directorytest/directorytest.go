// Package directorytest is an in-memory directory.Directory for tests that
// need to see or break what the domain asks of the user pool: it records
// every call, lets a test make the n-th call of a method fail, and shows
// which users exist, whether they are enabled and which sessions they hold.
// It issues JWT-shaped, unsigned access tokens carrying the claims the API
// reads unverified (sub, jti, auth_time, iat, exp), so code that decodes a
// login's access token works against it.
package directorytest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"backoffice/shared/directory"
)

// Method names, as Calls and FailOn take them: the names of the
// directory.Directory methods.
const (
	EnsureUser        = "EnsureUser"
	SetPassword       = "SetPassword"
	Login             = "Login"
	VerifyPassword    = "VerifyPassword"
	Refresh           = "Refresh"
	Revoke            = "Revoke"
	SignOutEverywhere = "SignOutEverywhere"
	Disable           = "Disable"
	Enable            = "Enable"
	Delete            = "Delete"
	ChangeEmail       = "ChangeEmail"
)

var methods = map[string]bool{
	EnsureUser: true, SetPassword: true, Login: true, VerifyPassword: true, Refresh: true, Revoke: true,
	SignOutEverywhere: true, Disable: true, Enable: true, Delete: true, ChangeEmail: true,
}

// ErrInjected is what an injected failure returns when FailOn was given a
// nil error.
var ErrInjected = errors.New("directorytest: injected failure")

// ErrUserNotFound is returned by calls on a user that does not exist where
// the interface does not count that as done (Enable, SetPassword, Refresh
// of a user, ChangeEmail).
var ErrUserNotFound = errors.New("directorytest: user not found")

// ErrNotLowercase is returned when an email reaches the directory with
// upper-case letters: Cognito usernames are case-sensitive, so the domain
// must lowercase first.
var ErrNotLowercase = errors.New("directorytest: email is not lowercase")

// ErrNotAUsername is returned when a call that takes a username gets an
// address: users are addressed by their immutable username only.
var ErrNotAUsername = errors.New("directorytest: an address where a username belongs")

// User is a user of the fake pool, as a test sees it.
type User struct {
	Username directory.Username
	Sub      string
	Email    string
	PersonID string // custom:personId, "" for a user made outside the API
	Password string // "" until SetPassword
	Enabled  bool
	// AuthTime is the second of the last successful Login.
	AuthTime int64
	// Sessions is the number of live refresh tokens.
	Sessions int
}

type user struct {
	username                       directory.Username
	sub, email, personID, password string
	enabled                        bool
	authTime                       int64
}

type session struct {
	username directory.Username
	authTime int64
}

// Directory is the fake. The zero value is not usable; call New.
type Directory struct {
	// Now is the clock for token claims; time.Now when nil.
	Now func() time.Time
	// AccessTTL is the lifetime of access tokens; one hour when zero.
	AccessTTL time.Duration

	mu       sync.Mutex
	users    map[directory.Username]*user
	sessions map[string]*session // by refresh token
	calls    map[string]int
	faults   map[string]map[int]error
}

var _ directory.Directory = (*Directory)(nil)

// New returns an empty fake pool.
func New() *Directory {
	return &Directory{
		users:    map[directory.Username]*user{},
		sessions: map[string]*session{},
		calls:    map[string]int{},
		faults:   map[string]map[int]error{},
	}
}

// FailOn makes the nth call of method (1-based, counted over the fake's
// whole life like Calls) fail with err (ErrInjected when nil) before it has
// any effect. A call number already made never fires. An unknown method
// name panics, so a typo can not silently inject nothing.
func (d *Directory) FailOn(method string, nth int, err error) {
	if !methods[method] {
		panic(fmt.Sprintf("directorytest: unknown method %q", method))
	}
	if nth < 1 {
		panic(fmt.Sprintf("directorytest: call number %d is not 1 or more", nth))
	}
	if err == nil {
		err = ErrInjected
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.faults[method] == nil {
		d.faults[method] = map[int]error{}
	}
	d.faults[method][nth] = err
}

// FailNext makes the next call of method fail with err (ErrInjected when
// nil); it is FailOn(method, Calls(method)+1, err).
func (d *Directory) FailNext(method string, err error) {
	d.mu.Lock()
	n := d.calls[method]
	d.mu.Unlock()
	d.FailOn(method, n+1, err)
}

// Calls is how many times method was called, failed calls included.
func (d *Directory) Calls(method string) int {
	if !methods[method] {
		panic(fmt.Sprintf("directorytest: unknown method %q", method))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls[method]
}

// User returns the user holding email and whether there is one.
func (d *Directory) User(email string) (User, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.byEmail(email)
	if u == nil {
		return User{}, false
	}
	n := 0
	for _, s := range d.sessions {
		if s.username == u.username {
			n++
		}
	}
	return User{Username: u.username, Sub: u.sub, Email: u.email, PersonID: u.personID, Password: u.password,
		Enabled: u.enabled, AuthTime: u.authTime, Sessions: n}, true
}

// Users is the number of users in the pool.
func (d *Directory) Users() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.users)
}

// AddUser puts an enabled user with a password straight into the pool (no
// call is counted), as if made outside the API (no person id), and returns
// it.
func (d *Directory) AddUser(email, password string) User {
	return d.AddPersonUser(email, password, "")
}

// AddPersonUser is AddUser for a user stamped with personID, as an accept
// interrupted after the user was made leaves one.
func (d *Directory) AddPersonUser(email, password, personID string) User {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.newUser(email, personID)
	u.password = password
	return User{Username: u.username, Sub: u.sub, Email: email, PersonID: personID, Password: password, Enabled: true}
}

// newUser adds a user; like a pool whose sign-in attribute is email, its
// username is a generated UUID, the same as its sub.
func (d *Directory) newUser(email, personID string) *user {
	sub := newSub()
	u := &user{username: directory.Username(sub), sub: sub, email: email, personID: personID, enabled: true}
	d.users[u.username] = u
	return u
}

func (d *Directory) byEmail(email string) *user {
	for _, u := range d.users {
		if u.email == email {
			return u
		}
	}
	return nil
}

// byName finds a user by username. An address where a username belongs is
// an error of its own, so a caller that still passes addresses fails.
func (d *Directory) byName(name directory.Username) (*user, error) {
	if strings.Contains(string(name), "@") {
		return nil, fmt.Errorf("%w: %q", ErrNotAUsername, name)
	}
	u, ok := d.users[name]
	if !ok {
		return nil, ErrUserNotFound
	}
	return u, nil
}

// begin counts a call and returns its injected failure, if any. It must be
// called with d.mu held.
func (d *Directory) begin(method string) error {
	d.calls[method]++
	if err, ok := d.faults[method][d.calls[method]]; ok {
		delete(d.faults[method], d.calls[method])
		return err
	}
	return nil
}

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func checkEmail(email string) error {
	if email != strings.ToLower(email) {
		return fmt.Errorf("%w: %q", ErrNotLowercase, email)
	}
	return nil
}

func (u *user) ref() directory.User { return directory.User{Username: u.username, Sub: u.sub} }

// EnsureUser creates the user stamped with personID, or reuses one of the
// address made for the same person (enabled again, its sessions ended); a
// user of the address made for anyone else is directory.ErrForeignUser.
func (d *Directory) EnsureUser(_ context.Context, email, personID string) (directory.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(EnsureUser); err != nil {
		return directory.User{}, err
	}
	if err := checkEmail(email); err != nil {
		return directory.User{}, err
	}
	if u := d.byEmail(email); u != nil {
		if u.personID != personID {
			return directory.User{}, directory.ErrForeignUser
		}
		u.enabled = true
		d.endSessions(u.username)
		return u.ref(), nil
	}
	return d.newUser(email, personID).ref(), nil
}

// SetPassword sets a permanent password, refusing one that breaks the
// policy the way the Cognito implementation reports it.
func (d *Directory) SetPassword(_ context.Context, name directory.Username, password string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(SetPassword); err != nil {
		return err
	}
	u, err := d.byName(name)
	if err != nil {
		return err
	}
	if err := directory.CheckPassword("password", password); err != nil {
		return err
	}
	u.password = password
	return nil
}

// Login checks the password of an enabled user and issues tokens; anything
// else is directory.ErrInvalidCredentials.
func (d *Directory) Login(_ context.Context, email, password string) (directory.Tokens, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(Login); err != nil {
		return directory.Tokens{}, err
	}
	return d.signIn(d.byEmail(email), password)
}

func (d *Directory) signIn(u *user, password string) (directory.Tokens, error) {
	if u == nil || !u.enabled || u.password == "" || u.password != password {
		return directory.Tokens{}, directory.ErrInvalidCredentials
	}
	now := d.now()
	u.authTime = now.Unix()
	refresh := randomString(48)
	d.sessions[refresh] = &session{username: u.username, authTime: u.authTime}
	access := d.accessToken(u, u.authTime, now)
	return directory.Tokens{AccessToken: access, RefreshToken: refresh, ExpiresIn: int32(d.accessTTL() / time.Second)}, nil
}

// VerifyPassword checks the password of an enabled user; no session stays.
func (d *Directory) VerifyPassword(_ context.Context, name directory.Username, password string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(VerifyPassword); err != nil {
		return err
	}
	u, err := d.byName(name)
	if errors.Is(err, ErrUserNotFound) {
		return directory.ErrInvalidCredentials
	}
	if err != nil {
		return err
	}
	t, err := d.signIn(u, password)
	if err != nil {
		return err
	}
	delete(d.sessions, t.RefreshToken)
	return nil
}

// Refresh issues a new access token (with the login's auth_time) for a live
// refresh token of an enabled user; the refresh token must be that user's,
// as a SECRET_HASH over another username would fail in AWS.
func (d *Directory) Refresh(_ context.Context, name directory.Username, refreshToken string) (directory.Tokens, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(Refresh); err != nil {
		return directory.Tokens{}, err
	}
	s, ok := d.sessions[refreshToken]
	if !ok || s.username != name {
		return directory.Tokens{}, directory.ErrInvalidCredentials
	}
	u, ok := d.users[s.username]
	if !ok || !u.enabled {
		return directory.Tokens{}, directory.ErrInvalidCredentials
	}
	return directory.Tokens{AccessToken: d.accessToken(u, s.authTime, d.now()), ExpiresIn: int32(d.accessTTL() / time.Second)}, nil
}

// Revoke ends one refresh token; an unknown one is no error.
func (d *Directory) Revoke(_ context.Context, refreshToken string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(Revoke); err != nil {
		return err
	}
	delete(d.sessions, refreshToken)
	return nil
}

// SignOutEverywhere ends every refresh token of the user; a missing user
// counts as signed out.
func (d *Directory) SignOutEverywhere(_ context.Context, name directory.Username) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(SignOutEverywhere); err != nil {
		return err
	}
	if _, err := d.byName(name); err != nil && !errors.Is(err, ErrUserNotFound) {
		return err
	}
	d.endSessions(name)
	return nil
}

// Disable stops the user from signing in or refreshing; a missing user
// counts as disabled.
func (d *Directory) Disable(_ context.Context, name directory.Username) error {
	return d.setEnabled(Disable, name, false)
}

// Enable lets a disabled user sign in again.
func (d *Directory) Enable(_ context.Context, name directory.Username) error {
	return d.setEnabled(Enable, name, true)
}

func (d *Directory) setEnabled(method string, name directory.Username, enabled bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(method); err != nil {
		return err
	}
	u, err := d.byName(name)
	if errors.Is(err, ErrUserNotFound) && !enabled {
		return nil
	}
	if err != nil {
		return err
	}
	u.enabled = enabled
	return nil
}

// Delete removes the user and its sessions; a missing user counts as done.
func (d *Directory) Delete(_ context.Context, name directory.Username) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(Delete); err != nil {
		return err
	}
	if _, err := d.byName(name); err != nil && !errors.Is(err, ErrUserNotFound) {
		return err
	}
	delete(d.users, name)
	d.endSessions(name)
	return nil
}

// ChangeEmail gives the user a new address (their sessions stay).
func (d *Directory) ChangeEmail(_ context.Context, name directory.Username, newEmail string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(ChangeEmail); err != nil {
		return err
	}
	if err := checkEmail(newEmail); err != nil {
		return err
	}
	u, err := d.byName(name)
	if err != nil {
		return err
	}
	if other := d.byEmail(newEmail); other != nil && other != u {
		return directory.ErrEmailTaken
	}
	u.email = newEmail
	return nil
}

func (d *Directory) endSessions(name directory.Username) {
	for tok, s := range d.sessions {
		if s.username == name {
			delete(d.sessions, tok)
		}
	}
}

func (d *Directory) accessTTL() time.Duration {
	if d.AccessTTL > 0 {
		return d.AccessTTL
	}
	return time.Hour
}

// Claims are the payload of the fake's access tokens.
type Claims struct {
	Sub      string `json:"sub"`
	JTI      string `json:"jti"`
	AuthTime int64  `json:"auth_time"`
	IssuedAt int64  `json:"iat"`
	Expires  int64  `json:"exp"`
	TokenUse string `json:"token_use"`
	Scope    string `json:"scope"`
	Username string `json:"username"`
}

func (d *Directory) accessToken(u *user, authTime int64, now time.Time) string {
	c := Claims{
		Sub: u.sub, JTI: newSub(), AuthTime: authTime, IssuedAt: now.Unix(),
		Expires: now.Add(d.accessTTL()).Unix(), TokenUse: "access",
		Scope: "aws.cognito.signin.user.admin", Username: string(u.username),
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	payload, _ := json.Marshal(c)
	// Unsigned: the signature part is empty, as with alg "none".
	return header + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
}

// ParseAccessToken decodes the claims of an access token the fake issued
// (or any JWT), without checking a signature.
func ParseAccessToken(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("directorytest: not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return Claims{}, fmt.Errorf("directorytest: payload: %w", err)
	}
	var c Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return Claims{}, fmt.Errorf("directorytest: payload: %w", err)
	}
	return c, nil
}

// newSub is a random UUID (version 4), the shape of Cognito subs.
func newSub() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
