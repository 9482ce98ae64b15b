package auth

// Route access levels besides a permission key.
const (
	Public = "public" // no token: API Gateway has no authorizer on the route
	Self   = "self"   // any active staff member, about themself
	// CustomerSelf is any active customer, about themself (the customer
	// pool's authorizer; a staff token never reaches these functions).
	CustomerSelf = "customer"
)

// Routes maps every route of template.yaml to the permission it needs, or to
// Public or Self. A route that is missing here is refused (fail closed), and
// a test proves this map and template.yaml list the same routes.
var Routes = map[string]string{
	"GET /health":                          Public,
	"GET /openapi.json":                    Public,
	"GET /accept-invitation":               Public,
	"GET /reset-password":                  Public,
	"GET /":                                Public,
	"GET /console":                         Public,
	"GET /console/{proxy+}":                Public,
	"GET /confirm-email":                   Public,
	"POST /auth/email-change/confirm":      Public,
	"POST /auth/login":                     Public,
	"POST /auth/refresh":                   Public,
	"POST /auth/invitations/inspect":       Public,
	"POST /auth/invitations/accept":        Public,
	"GET /auth/me":                         Self,
	"PATCH /auth/me":                       Self,
	"POST /auth/logout":                    Self,
	"POST /auth/logout-all":                Self,
	"POST /staff/invitations":              StaffInvite,
	"GET /staff/{id}":                      StaffRead,
	"POST /staff/{id}/invitation":          StaffInvite,
	"GET /staff":                           StaffRead,
	"POST /staff/{id}/deactivate":          StaffDeactivate,
	"POST /staff/{id}/activate":            StaffDeactivate,
	"DELETE /staff/{id}":                   StaffDelete,
	"POST /auth/password/forgot":           Public,
	"POST /auth/password/reset":            Public,
	"POST /auth/password/change":           Self,
	"POST /staff/password-resets":          StaffResetPassword,
	"PATCH /staff/{id}":                    StaffUpdate,
	"POST /staff/{id}/email-change/resend": StaffUpdate,
	"DELETE /staff/{id}/email-change":      StaffUpdate,
	"GET /permissions":                     RolesRead,
	"GET /roles":                           RolesRead,
	"POST /roles":                          RolesManage,
	"GET /roles/{id}":                      RolesRead,
	"PATCH /roles/{id}":                    RolesManage,
	"DELETE /roles/{id}":                   RolesManage,
	"GET /roles/{id}/members":              RolesRead,
	"PUT /roles/{id}/members/{staffId}":    RolesAssign,
	"DELETE /roles/{id}/members/{staffId}": RolesAssign,
	"GET /settings":                        SettingsRead,
	"PATCH /settings":                      SettingsManage,
	"GET /audit":                           AuditRead,

	"POST /customer-auth/login":                Public,
	"POST /customer-auth/refresh":              Public,
	"POST /customer-auth/invitations/inspect":  Public,
	"POST /customer-auth/invitations/accept":   Public,
	"POST /customer-auth/password/forgot":      Public,
	"POST /customer-auth/password/reset":       Public,
	"POST /customer-auth/email-change/confirm": Public,
	"GET /customer-auth/me":                    CustomerSelf,
	"PATCH /customer-auth/me":                  CustomerSelf,
	"POST /customer-auth/logout":               CustomerSelf,
	"GET /customers":                           CustomersRead,
	"POST /customers":                          CustomersCreate,
	"GET /customers/{id}":                      CustomersRead,
	"PATCH /customers/{id}":                    CustomersUpdate,
	"POST /customers/{id}/email-change/resend": CustomersUpdate,
	"DELETE /customers/{id}/email-change":      CustomersUpdate,
	"DELETE /customers/{id}":                   CustomersDelete,
	"POST /customers/{id}/deactivate":          CustomersDeactivate,
	"POST /customers/{id}/activate":            CustomersDeactivate,
	"POST /customers/{id}/invitation":          CustomersCreate,
	"POST /customers/password-resets":          CustomersReset,

	// Categories.
	"GET /categories":                 CategoriesRead,
	"GET /categories/tree":            CategoriesRead,
	"POST /categories":                CategoriesManage,
	"GET /categories/{id}":            CategoriesRead,
	"PATCH /categories/{id}":          CategoriesManage,
	"DELETE /categories/{id}":         CategoriesManage,
	"POST /categories/{id}/thumbnail": CategoriesManage,
}
