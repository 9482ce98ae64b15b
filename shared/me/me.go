// Package me answers "who am I" for either realm: a staff member's Me with
// roles and effective permissions, or a customer's own profile. Login,
// password change and the me routes of both realms share it.
package me

import (
	"time"

	"backoffice/shared/auth"
	"backoffice/shared/customers"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

// Of is the view of the signed-in person a; roles and permissions are the
// caller's (none for customers).
func Of(a store.Account, roles []auth.RoleRef, permissions []string, now time.Time) any {
	if c, ok := a.(*store.Customer); ok {
		return customers.Me(c, now)
	}
	return staff.MeOf(a.(*store.Staff), roles, permissions)
}
