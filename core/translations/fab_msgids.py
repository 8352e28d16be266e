"""Flask-AppBuilder's translatable strings, listed so that `pybabel extract` puts them in our template.

Never imported. FAB 5.3.0 ships no Vietnamese catalogue, and our ``vi`` catalogue must carry
every string FAB translates on its screens. Listing them here makes
``core/translations/messages.pot`` the union of our strings and FAB's, so that
``pybabel update`` keeps FAB's entries instead of marking them obsolete.

Source: the msgids of FAB's most complete shipped catalogue
(flask_appbuilder/translations/fr/LC_MESSAGES/messages.po), plus the strings marked
in FAB's installed source (``pybabel extract`` over site-packages/flask_appbuilder),
plus the few ASCII msgids that only other shipped catalogues carry.
tests/test_i18n.py checks this list against the installed FAB, so an upgrade that
adds strings fails the build until they are added here and translated.
"""
from flask_babel import lazy_gettext as _l

# fmt: off

# --- Marked in the installed flask_appbuilder source
# baseviews.py
_l('Added Row')
_l('Changed Row')
_l('Deleted Row')
_l('Associated data exists, please delete them first')
_l('Integrity error, probably unique constraint')
_l('Database Error')
# const.py
_l('Access is Denied')
# fields.py
_l('Not a valid choice')
# fieldwidgets.py
_l('Select Value')
# messages.py, templates/appbuilder/general/charts/chart.html, templates/appbuilder/general/charts/chart_time.html, templates/appbuilder/general/charts/jsonchart.html, templates/appbuilder/general/lib.html, templates/appbuilder/general/model/list.html
_l('Search')
# messages.py, templates/appbuilder/general/lib.html
_l('Back')
_l('Save')
# messages.py
_l('This field is required.')
_l('Not a valid date value')
# messages.py, templates/appbuilder/general/widgets/base_list.html, templates/appbuilder/general/widgets/list_carousel.html, templates/appbuilder/general/widgets/list_master.html
_l('No records found')
# upload.py
_l('Invalid file extension')
# validators.py
_l('Already exists.')
_l('Must have at least two capital letters, one special character, two digits, three lower case letters and a minimal length of 10.')
# charts/views.py
_l('Group by')
# models/group.py
_l('Count of')
_l('Sum of')
_l('Avg. of')
# models/generic/filters.py, models/sqla/filters.py
_l('Contains')
# models/generic/filters.py
_l('Contains (insensitive)')
# models/generic/filters.py, models/sqla/filters.py
_l('Not Contains')
_l('Equal to')
_l('Not Equal to')
_l('Greater than')
_l('Smaller than')
# models/generic/filters.py
_l('Start with')
# models/sqla/filters.py
_l('Starts with')
_l('Not Starts with')
_l('Ends with')
_l('Not Ends with')
_l('In')
_l('Not In')
_l('Relation')
_l('No Relation')
_l('Relation as Many')
# security/forms.py
_l('Either select a role or a group')
# security/forms.py, security/views.py
_l('User Name')
# security/forms.py, security/views.py, templates/appbuilder/general/security/login_db.html, templates/appbuilder/general/security/login_ldap.html
_l('Password')
# security/forms.py, security/views.py
_l('First Name')
_l('Write the user first name or names')
_l('Last Name')
_l('Write the user last name')
# security/forms.py
_l('Please use a good password policy, this application does not check this for you')
# security/forms.py, security/views.py
_l('Confirm Password')
# security/forms.py
_l('Please rewrite the password to confirm')
# security/forms.py, security/views.py
_l('Passwords must match')
_l('Email')
# security/manager.py, security/views.py
_l('List Users')
# security/manager.py
_l('Security')
# security/manager.py, security/views.py
_l('List Roles')
_l('List Groups')
# security/manager.py
_l("User's Statistics")
_l('User Registrations')
_l('Base Permissions')
_l('Views/Menus')
_l('Permission on Views/Menus')
# security/registerviews.py
_l('Account activation')
_l('Registration sent to your email')
_l('Not possible to register you at the moment, try again later')
_l('Registration not found')
_l('Fill out the registration form')
# security/views.py
_l('List Base Permissions')
_l('Show Base Permission')
_l('Add Base Permission')
_l('Edit Base Permission')
_l('Name')
_l('List View Menus')
_l('Show View Menu')
_l('Add View Menu')
_l('Edit View Menu')
_l('List Permissions on Views/Menus')
_l('Show Permission on Views/Menus')
_l('Add Permission on Views/Menus')
_l('Edit Permission on Views/Menus')
_l('Permission')
_l('View/Menu')
_l('Reset Password Form')
_l('Password Changed')
_l('Edit User Information')
_l('User information changed')
_l('Show User')
_l('Add User')
_l('Edit User')
_l('Full Name')
_l('Is Active?')
_l('Role')
_l('Groups')
_l('Last login')
_l('Login count')
_l('Failed login count')
_l('Created on')
_l('Created by')
_l('Changed on')
_l('Changed by')
_l('Username valid for authentication on DB or LDAP, unused for OID auth')
_l("The user's password for authentication")
_l("It's not a good policy to remove a user, just make it inactive")
_l("The user's email, this will also be used for OID auth")
_l('The user role on the application, this will associate with a list of permissions')
_l('The user group on the application, this will associate with a list of roles associated with the group')
_l("Please rewrite the user's password to confirm")
_l('User info')
_l('Personal Info')
_l('Audit Info')
_l('Your user information')
_l('Reset my password')
_l('Reset Password')
_l('User Statistics')
_l('Show Role')
_l('Add Role')
_l('Edit Role')
_l('Permissions')
_l('Copy Role')
_l('Copy the selected roles?')
_l('User(s) exists in the role, cannot delete')
_l('Show Group')
_l('Add Group')
_l('Edit Group')
_l('User(s) exists in the group, cannot delete')
_l('List of Registration Requests')
_l('Show Registration')
_l('Invalid login. Please try again.')
# security/views.py, templates/appbuilder/general/security/login_db.html, templates/appbuilder/general/security/login_ldap.html
_l('Sign In')
# templates/appbuilder/baselib.html, templates/appbuilder/navbar_right.html
_l('Profile')
_l('Logout')
_l('Login')
# templates/appbuilder/general/security/activation.html, templates/appbuilder/index.html
_l('Welcome')
# templates/appbuilder/general/confirm.html
_l('User confirmation needed')
# templates/appbuilder/general/lib.html
_l('Actions')
_l('Page size')
_l('Order by')
_l('Record Count')
_l('Add a new record')
_l('Add')
_l('Edit record')
_l('Edit')
_l('Show record')
_l('Show')
_l('Delete record')
_l('Delete')
_l('Are you sure you want to delete this item?')
# templates/appbuilder/general/charts/chart_time.html
_l('Group by fields')
# templates/appbuilder/general/model/edit.html, templates/appbuilder/general/model/show.html
_l('Detail')
# templates/appbuilder/general/security/activation.html
_l('Your user is activated you can now proceed to login')
# templates/appbuilder/general/security/login_db.html, templates/appbuilder/general/security/login_ldap.html
_l('Enter your login and password below')
_l('Username')
# templates/appbuilder/general/security/login_db.html
_l('If you are not already a user, please register')
_l('Register')
# templates/appbuilder/general/security/login_oauth.html, templates/appbuilder/general/security/login_saml.html
_l('Sign In with ')
# templates/appbuilder/general/security/register_oauth.html
_l('Sign in using:')
# templates/appbuilder/general/widgets/search.html
_l('Add Filter')

# --- In the shipped fr catalogue but no longer in the 5.3 source (examples, OpenID, old forms)
_l('Emp. Number')
_l('Employee Number')
_l('Manage Groups')
_l('List Contacts')
_l('Contacts Chart')
_l('Contacts Birth Chart')
_l('Tweet message')
_l('Test Field One')
_l('My form View')
_l('Page not found')
_l('General Error')
_l('OpenID')
_l('Remember me')
_l('Click on your OpenID provider below')
_l('Or enter your OpenID here')
_l('Please choose a provider')
_l('Enter your OpenID Username')

# --- Only in some shipped catalogues (translations/*/LC_MESSAGES/messages.po)
_l('You sure you want to delete this item?')
_l('Please choose one of the following providers:')
_l('EMail')
# fmt: on
