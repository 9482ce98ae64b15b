// Package auth decides who the caller is and what they may do: the
// permission catalogue, the route → permission map, and the caller check of
// the README (auth record by sub, status, tokensNotBefore, denylist).
package auth

// Permission keys (infra/openapi.yaml, GET /permissions).
const (
	StaffRead           = "staff.read"
	StaffInvite         = "staff.invite"
	StaffUpdate         = "staff.update"
	StaffDeactivate     = "staff.deactivate"
	StaffDelete         = "staff.delete"
	StaffResetPassword  = "staff.reset_password"
	RolesRead           = "roles.read"
	RolesManage         = "roles.manage"
	RolesAssign         = "roles.assign"
	CustomersRead       = "customers.read"
	CustomersCreate     = "customers.create"
	CustomersUpdate     = "customers.update"
	CustomersDeactivate = "customers.deactivate"
	CustomersDelete     = "customers.delete"
	CustomersReset      = "customers.reset_password"
	CategoriesRead      = "categories.read"
	CategoriesManage    = "categories.manage"
	AuditRead           = "audit.read"
	SettingsRead        = "settings.read"
	SettingsManage      = "settings.manage"
)

// PermissionInfo describes a permission for GET /permissions.
type PermissionInfo struct {
	Key         string `json:"key"`
	Group       string `json:"group"`
	Description string `json:"description"`
}

// Catalogue lists every permission, in the order the backoffice shows them.
var Catalogue = []PermissionInfo{
	{StaffRead, "staff", "See backoffice users"},
	{StaffInvite, "staff", "Invite backoffice users and resend invitations"},
	{StaffUpdate, "staff", "Edit backoffice users"},
	{StaffDeactivate, "staff", "Deactivate and reactivate backoffice users"},
	{StaffDelete, "staff", "Delete backoffice users"},
	{StaffResetPassword, "staff", "Send password reset mails to backoffice users"},
	{RolesRead, "roles", "See roles and their members"},
	{RolesManage, "roles", "Create, edit and delete roles"},
	{RolesAssign, "roles", "Give roles to people and take them away"},
	{CustomersRead, "customers", "See customer accounts"},
	{CustomersCreate, "customers", "Add customer accounts and send invitations"},
	{CustomersUpdate, "customers", "Edit customer accounts"},
	{CustomersDeactivate, "customers", "Deactivate and reactivate customer accounts"},
	{CustomersDelete, "customers", "Delete customer accounts"},
	{CustomersReset, "customers", "Send password reset mails to customers"},
	{CategoriesRead, "categories", "See product categories"},
	{CategoriesManage, "categories", "Create, edit, move and delete product categories"},
	{AuditRead, "audit", "Read the audit log"},
	{SettingsRead, "settings", "See shop settings, seats and billing figures"},
	{SettingsManage, "settings", "Change shop settings and the seat limit"},
}

// Built-in roles have fixed ids so code and operators can name them.
const (
	OwnerRoleID   = "owner"
	AdminRoleID   = "admin"
	OwnerRoleName = "Owner"
	AdminRoleName = "Admin"
)

// AllPermissions is every key in the catalogue; the owner role holds them all.
func AllPermissions() []string {
	keys := make([]string, len(Catalogue))
	for i, p := range Catalogue {
		keys[i] = p.Key
	}
	return keys
}

// AdminPermissions is what the admin role starts with (infra/openapi.yaml).
func AdminPermissions() []string {
	return []string{
		CustomersRead, CustomersCreate, CustomersUpdate, CustomersDeactivate, CustomersDelete, CustomersReset,
		CategoriesRead, CategoriesManage, StaffRead, RolesRead, AuditRead, SettingsRead,
	}
}

// Known reports whether key is in the catalogue.
func Known(key string) bool {
	for _, p := range Catalogue {
		if p.Key == key {
			return true
		}
	}
	return false
}
