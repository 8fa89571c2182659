/* 月星防水: name the back office after the company. */
(function () {
    'use strict';
    Sao.config.title = '月星防水 管理系统';
    Sao.config.icon_colors = '#1f6f8b,#5b5b5b,#b83b3b'.split(',');
}());
