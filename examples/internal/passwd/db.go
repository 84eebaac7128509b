package passwd

import "sync/atomic"

// DB is the users of one passwd-file, which Reload reads again. It is
// safe for concurrent use.
type DB struct {
	path  string
	opts  Options
	users atomic.Pointer[map[string]Secret]
}

// Open reads the passwd-file at path.
func Open(path string, o *Options) (*DB, error) {
	db := &DB{path: path}
	if o != nil {
		db.opts = *o
	}
	if err := db.Reload(); err != nil {
		return nil, err
	}
	return db, nil
}

// Reload reads the file again. On error the users read before stay.
func (db *DB) Reload() error {
	users, err := Load(db.path, &db.opts)
	if err != nil {
		return err
	}
	db.users.Store(&users)
	return nil
}

// Lookup returns the secret of user.
func (db *DB) Lookup(user string) (Secret, bool) {
	s, ok := (*db.users.Load())[user]
	return s, ok
}

// Check reports whether password is user's. An unknown user takes as long
// as a bcrypt check (CheckAbsent).
func (db *DB) Check(user, password string) bool {
	s, ok := db.Lookup(user)
	if !ok {
		return CheckAbsent(password)
	}
	return s.Check(password)
}

// Len returns the number of users.
func (db *DB) Len() int {
	return len(*db.users.Load())
}
