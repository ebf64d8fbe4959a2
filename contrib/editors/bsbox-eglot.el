;;; bsbox-eglot.el --- rust-analyzer via eglot, confined by bsbox  -*- lexical-binding: t; -*-
;; Load from init.el: (load "/path/to/contrib/editors/bsbox-eglot.el")
;; eglot starts rust-analyzer in the project root, where
;; `bsbox proc-macro-srv' finds the workspace it may read.  See docs/editors.md.
(with-eval-after-load 'eglot
  (setq-default eglot-workspace-configuration
                '(:rust-analyzer
                  (:cargo (:extraEnv (:RUSTC_WRAPPER "bsbox")
                           :buildScripts (:useRustcWrapper :json-false))
                   :procMacro (:enable t
                               :server "/usr/local/share/bsbox/bsbox-proc-macro-srv")))))
;;; bsbox-eglot.el ends here
