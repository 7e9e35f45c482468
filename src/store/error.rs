//! Why the database cannot be used, as one line naming `DATABASE_PATH` and the file.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// A problem with the database at `DATABASE_PATH`; each message is one line an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The file is not a database, or is damaged.
    #[error(
        "DATABASE_PATH {}: not a usable SQLite database ({detail}); restore a backup, or move the \
         file away to start with an empty one",
        .path.display()
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// The driver's message.
        detail: String,
    },
    /// The file or its directory cannot be created or written.
    #[error(
        "DATABASE_PATH {}: cannot be written ({detail}); point it at a file in an existing \
         directory the bot may write to",
        .path.display()
    )]
    Unwritable {
        /// The database file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The file was written by a newer xalantis-bot.
    #[error(
        "DATABASE_PATH {}: schema version {found} is newer than this xalantis-bot knows \
         ({supported}); run a newer xalantis-bot or point DATABASE_PATH at another file",
        .path.display()
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// Any other failure (a lock held elsewhere, an I/O error).
    #[error("DATABASE_PATH {}: {detail}", .path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The driver's message.
        detail: String,
    },
}

impl StoreError {
    /// A [`StoreError::Unwritable`] for `path`.
    pub(crate) fn unwritable(path: &Path, detail: impl Into<String>) -> Self {
        Self::Unwritable {
            path: path.to_owned(),
            detail: detail.into(),
        }
    }

    /// A [`StoreError::Corrupt`] for `path`.
    pub(crate) fn corrupt(path: &Path, detail: impl Into<String>) -> Self {
        Self::Corrupt {
            path: path.to_owned(),
            detail: detail.into(),
        }
    }

    /// Sorts a driver error by what the operator has to do about it.
    pub(crate) fn from_sqlite(path: &Path, error: &rusqlite::Error) -> Self {
        let detail = error.to_string();
        match error.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                Self::corrupt(path, detail)
            }
            Some(
                ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::ReadOnly
                | ErrorCode::DiskFull,
            ) => Self::unwritable(path, detail),
            _ => Self::Sqlite {
                path: path.to_owned(),
                detail,
            },
        }
    }
}

/// Attaches the database path to a driver result.
pub(crate) trait AtPath<T> {
    /// The result, its error sorted by [`StoreError::from_sqlite`].
    fn at(self, path: &Path) -> Result<T, StoreError>;
}

impl<T> AtPath<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::from_sqlite(path, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn not_a_database_is_corrupt_and_names_the_variable_and_the_file() {
        let error = StoreError::from_sqlite(Path::new("/data/bot.db"), &failure(26));
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
        let text = error.to_string();
        assert!(text.starts_with("DATABASE_PATH /data/bot.db:"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn cannot_open_and_read_only_are_unwritable() {
        for code in [14, 8, 3] {
            let error = StoreError::from_sqlite(Path::new("x.db"), &failure(code));
            assert!(
                matches!(error, StoreError::Unwritable { .. }),
                "{code}: {error:?}"
            );
        }
    }

    #[test]
    fn a_busy_database_is_neither_corrupt_nor_unwritable() {
        let error = StoreError::from_sqlite(Path::new("x.db"), &failure(5));
        assert!(matches!(error, StoreError::Sqlite { .. }), "{error:?}");
    }
}
