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
	Refresh           = "Refresh"
	Revoke            = "Revoke"
	SignOutEverywhere = "SignOutEverywhere"
	Disable           = "Disable"
	Enable            = "Enable"
	Delete            = "Delete"
	ChangeEmail       = "ChangeEmail"
)

var methods = map[string]bool{
	EnsureUser: true, SetPassword: true, Login: true, Refresh: true, Revoke: true,
	SignOutEverywhere: true, Disable: true, Enable: true, Delete: true, ChangeEmail: true,
}

// ErrInjected is what an injected failure returns when FailOn was given a
// nil error.
var ErrInjected = errors.New("directorytest: injected failure")

// ErrUserNotFound is returned by calls on a user that does not exist (except
// Delete, for which a missing user counts as deleted, as the interface says).
var ErrUserNotFound = errors.New("directorytest: user not found")

// ErrNotLowercase is returned when an email reaches the directory with
// upper-case letters: Cognito usernames are case-sensitive, so the domain
// must lowercase first.
var ErrNotLowercase = errors.New("directorytest: email is not lowercase")

// User is a user of the fake pool, as a test sees it.
type User struct {
	Sub      string
	Email    string
	Password string // "" until SetPassword
	Enabled  bool
	// AuthTime is the second of the last successful Login.
	AuthTime int64
	// Sessions is the number of live refresh tokens.
	Sessions int
}

type user struct {
	sub, email, password string
	enabled              bool
	authTime             int64
}

type session struct {
	email    string
	authTime int64
}

// Directory is the fake. The zero value is not usable; call New.
type Directory struct {
	// Now is the clock for token claims; time.Now when nil.
	Now func() time.Time
	// AccessTTL is the lifetime of access tokens; one hour when zero.
	AccessTTL time.Duration

	mu       sync.Mutex
	users    map[string]*user    // by email
	sessions map[string]*session // by refresh token
	calls    map[string]int
	faults   map[string]map[int]error
}

var _ directory.Directory = (*Directory)(nil)

// New returns an empty fake pool.
func New() *Directory {
	return &Directory{
		users:    map[string]*user{},
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

// User returns the user of email and whether it exists.
func (d *Directory) User(email string) (User, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[email]
	if !ok {
		return User{}, false
	}
	n := 0
	for _, s := range d.sessions {
		if s.email == email {
			n++
		}
	}
	return User{Sub: u.sub, Email: u.email, Password: u.password, Enabled: u.enabled, AuthTime: u.authTime, Sessions: n}, true
}

// Users is the number of users in the pool.
func (d *Directory) Users() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.users)
}

// AddUser puts an enabled user with a password straight into the pool (no
// call is counted) and returns its sub.
func (d *Directory) AddUser(email, password string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := &user{sub: newSub(), email: email, password: password, enabled: true}
	d.users[email] = u
	return u.sub
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

// EnsureUser creates the user, or enables and reuses an existing one.
func (d *Directory) EnsureUser(_ context.Context, email string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(EnsureUser); err != nil {
		return "", err
	}
	if err := checkEmail(email); err != nil {
		return "", err
	}
	if u, ok := d.users[email]; ok {
		u.enabled = true
		return u.sub, nil
	}
	u := &user{sub: newSub(), email: email, enabled: true}
	d.users[email] = u
	return u.sub, nil
}

// SetPassword sets a permanent password, refusing one that breaks the
// policy the way the Cognito implementation reports it.
func (d *Directory) SetPassword(_ context.Context, email, password string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(SetPassword); err != nil {
		return err
	}
	if err := checkEmail(email); err != nil {
		return err
	}
	u, ok := d.users[email]
	if !ok {
		return ErrUserNotFound
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
	u, ok := d.users[email]
	if !ok || !u.enabled || u.password == "" || u.password != password {
		return directory.Tokens{}, directory.ErrInvalidCredentials
	}
	now := d.now()
	u.authTime = now.Unix()
	refresh := randomString(48)
	d.sessions[refresh] = &session{email: email, authTime: u.authTime}
	access := d.accessToken(u, u.authTime, now)
	return directory.Tokens{AccessToken: access, RefreshToken: refresh, ExpiresIn: int32(d.accessTTL() / time.Second)}, nil
}

// Refresh issues a new access token (with the login's auth_time) for a live
// refresh token of an enabled user.
func (d *Directory) Refresh(_ context.Context, refreshToken string) (directory.Tokens, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(Refresh); err != nil {
		return directory.Tokens{}, err
	}
	s, ok := d.sessions[refreshToken]
	if !ok {
		return directory.Tokens{}, directory.ErrInvalidCredentials
	}
	u, ok := d.users[s.email]
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

// SignOutEverywhere ends every refresh token of the user.
func (d *Directory) SignOutEverywhere(_ context.Context, email string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(SignOutEverywhere); err != nil {
		return err
	}
	if err := checkEmail(email); err != nil {
		return err
	}
	if _, ok := d.users[email]; !ok {
		return ErrUserNotFound
	}
	d.endSessions(email)
	return nil
}

// Disable stops the user from signing in or refreshing.
func (d *Directory) Disable(_ context.Context, email string) error {
	return d.setEnabled(Disable, email, false)
}

// Enable lets a disabled user sign in again.
func (d *Directory) Enable(_ context.Context, email string) error {
	return d.setEnabled(Enable, email, true)
}

func (d *Directory) setEnabled(method, email string, enabled bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(method); err != nil {
		return err
	}
	if err := checkEmail(email); err != nil {
		return err
	}
	u, ok := d.users[email]
	if !ok {
		return ErrUserNotFound
	}
	u.enabled = enabled
	return nil
}

// Delete removes the user and its sessions; a missing user counts as done.
func (d *Directory) Delete(_ context.Context, email string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(Delete); err != nil {
		return err
	}
	if err := checkEmail(email); err != nil {
		return err
	}
	delete(d.users, email)
	d.endSessions(email)
	return nil
}

// ChangeEmail moves a user to a new address (their sessions stay).
func (d *Directory) ChangeEmail(_ context.Context, old, new string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.begin(ChangeEmail); err != nil {
		return err
	}
	if err := checkEmail(old); err != nil {
		return err
	}
	if err := checkEmail(new); err != nil {
		return err
	}
	u, ok := d.users[old]
	if !ok {
		if _, done := d.users[new]; done {
			return nil
		}
		return ErrUserNotFound
	}
	if _, taken := d.users[new]; taken {
		return directory.ErrEmailTaken
	}
	delete(d.users, old)
	u.email = new
	d.users[new] = u
	for _, s := range d.sessions {
		if s.email == old {
			s.email = new
		}
	}
	return nil
}

func (d *Directory) endSessions(email string) {
	for tok, s := range d.sessions {
		if s.email == email {
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
		Scope: "aws.cognito.signin.user.admin", Username: u.email,
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
