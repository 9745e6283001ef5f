/* ptcheck kernel include tree: printk and pr_*. The text (pr_fmt applied) goes to stderr through
 * ptc_k_printk, one line per message; pr_debug / pr_devel print nothing (as without DEBUG) but
 * check their format. The _once and _ratelimited variants print every time: a checker must not let
 * the first script's message hide a later one's. */
#ifndef PTC_LINUX_PRINTK_H
#define PTC_LINUX_PRINTK_H

#include <linux/compiler.h>

#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
#define KERN_DEFAULT ""
#define KERN_CONT KERN_SOH "c"

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

#define printk(fmt, ...) (ptc_k_printk(fmt, ##__VA_ARGS__), 0)
#define no_printk(fmt, ...) \
  __extension__({ if (0) ptc_k_printk(fmt, ##__VA_ARGS__); 0; })

#define pr_emerg(fmt, ...) ptc_k_printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...) ptc_k_printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) ptc_k_printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) ptc_k_printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) ptc_k_printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warning(fmt, ...) pr_warn(fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) ptc_k_printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) ptc_k_printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) ptc_k_printk(KERN_CONT fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) no_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_devel(fmt, ...) no_printk(pr_fmt(fmt), ##__VA_ARGS__)

#define pr_emerg_once pr_emerg
#define pr_alert_once pr_alert
#define pr_crit_once pr_crit
#define pr_err_once pr_err
#define pr_warn_once pr_warn
#define pr_notice_once pr_notice
#define pr_info_once pr_info
#define pr_debug_once pr_debug
#define pr_err_ratelimited pr_err
#define pr_warn_ratelimited pr_warn
#define pr_info_ratelimited pr_info
#define pr_debug_ratelimited pr_debug
#define printk_ratelimit() 1

#endif
